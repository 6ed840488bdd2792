/* A few idle objects kept for reuse (OpenSSL contexts, hash objects) in
 * slots that threads sharing their owner lend and return by atomic
 * exchange, without a lock. The owner empties the slots with
 * mailauth__spares_init() and frees what mailauth__spares_drain() hands
 * back when it goes. An object is in at most one slot or with at most one
 * borrower at a time. */
#ifndef MAILAUTH_UTIL_SPARES_H
#define MAILAUTH_UTIL_SPARES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef _Atomic(void *) mailauth__spare_t;

static inline void
mailauth__spares_init(mailauth__spare_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        atomic_init(&s[i], NULL);
}

/* An idle object taken out of its slot, or NULL when there is none. */
static inline void *
mailauth__spares_take(mailauth__spare_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (atomic_load_explicit(&s[i], memory_order_relaxed) != NULL) {
            void *p = atomic_exchange_explicit(&s[i], NULL, memory_order_acq_rel);
            if (p != NULL)
                return p;
        }
    }
    return NULL;
}

/* Puts p in an empty slot; false when every slot is full (the caller then
 * frees p). */
static inline bool
mailauth__spares_give(mailauth__spare_t *s, size_t n, void *p)
{
    for (size_t i = 0; i < n; i++) {
        void *none = NULL;
        if (atomic_compare_exchange_strong_explicit(&s[i], &none, p, memory_order_acq_rel,
                                                    memory_order_relaxed))
            return true;
    }
    return false;
}

/* Empties slot i and returns what it held (NULL if nothing), for the
 * owner to free. */
static inline void *
mailauth__spares_drain(mailauth__spare_t *s, size_t i)
{
    return atomic_exchange_explicit(&s[i], NULL, memory_order_acquire);
}

#endif
