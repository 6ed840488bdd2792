/* Internal to lib/arc: the verifier object shared by arc_verify.c (one
 * signature: parse, hashes, key, verdict) and arc_run.c (the chain: start,
 * step, the RFC 8617 §5.2 decision, lifecycle). */
#ifndef MAILAUTH__ARC_INT_H
#define MAILAUTH__ARC_INT_H

#include "arc/arc.h"
#include "dkim/dkim.h"
#include "dkim/dkim_keyq.h"
#include "dkim/dkim_verify.h"

typedef enum mailauth__arc_item_state {
    MAILAUTH__ARC_IT_IDLE = 0, /* not verified (an older AMS without oldest-pass) */
    MAILAUTH__ARC_IT_KEY,      /* waiting for the key */
    MAILAUTH__ARC_IT_READY,    /* AMS: key accepted and held, waiting for the body hash */
    MAILAUTH__ARC_IT_DONE,     /* outcome final */
} mailauth__arc_item_state_t;

/* One ARC-Message-Signature or ARC-Seal to verify. Its field is parsed
 * at the start (in the scratch arena); the item keeps what the key and
 * body checks need, held while the body streams. */
typedef struct mailauth__arc_item {
    const mailauth__hdr_t     *field;   /* during start only */
    const uint8_t             *b;       /* b= decoded: the scratch's, then a copy (keep_item) */
    uint64_t                   l;       /* l=, when has_l */
    const char                *problem; /* when not ok */
    mailauth__keyq_t           kq;
    uint32_t                   inst;
    uint32_t                   b_len;
    mailauth__arc_item_state_t state;
    mailauth_reason_t          reason; /* ARC_* when not ok */
    uint16_t                   body_id;
    uint8_t                    hash;     /* mailauth__hash_alg_t */
    uint8_t                    key_type; /* mailauth__key_type_t */
    bool                       has_l;
    bool                       seal;
    bool                       ok;     /* outcome, once DONE */
    uint8_t                    bh_len; /* bytes of bh=; longer than any digest: 0xff */
    uint8_t                    bh[MAILAUTH__HASH_MAX];
    uint8_t                    digest[MAILAUTH__HASH_MAX];
} mailauth__arc_item_t;

struct mailauth__arc {
    const mailauth__env_t       *env;
    mailauth__arena_t           *a;
    mailauth__arena_t           *scratch; /* the chain and the parses, during start only */
    mailauth__dnsc_t            *dns;
    const mailauth__hdr_index_t *hdrs;
    mailauth__arc_chain_t        chain;
    mailauth__body_use_t         body;     /* own or shared (see arc/arc.h) */
    mailauth__hdr_pick_t        *picks;    /* built for the first AMS */
    mailauth__arc_item_t        *ams, *as; /* [chain.n], instance i at i - 1 */
    unsigned                     options;
    bool                         done;
    mailauth_arc_result_t        res;
};

/* Parse and prepare item `it` for instance `inst` (arc_verify.c): checks,
 * header hash, body hash wanted (AMS), key asked. Failures are outcomes.
 * MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO. */
mailauth_status_t mailauth__arc_item_start(mailauth__arc_t *v, mailauth__arc_item_t *it,
                                           uint32_t inst, bool seal);
/* Take the key answer if it came. MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__arc_item_poll(mailauth__arc_t *v, mailauth__arc_item_t *it);
/* The body hashes are final: finish a READY AMS (body hash, then the
 * signature, RFC 6376 §6.1.3) and drop its key. MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__arc_item_body(mailauth__arc_t *v, mailauth__arc_item_t *it);

#endif
