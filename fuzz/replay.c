/* Replay driver: runs a libFuzzer target over saved inputs without libFuzzer,
 * so ctest replays every corpus under the build's sanitizers.
 *
 *   fuzz_<target>_replay [DIR|FILE]...
 *
 * Each regular file (directories: their regular files, in name order) is
 * read into a buffer of exactly its size, so a read past the end is caught
 * by ASan, and passed to LLVMFuzzerTestOneInput(). One empty input is
 * always run too. A missing or empty corpus is not an error. A crash or a
 * sanitizer report ends the process; otherwise the exit status is 0. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The target's entry points (LLVMFuzzerInitialize is optional). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Inputs larger than this are skipped: fuzz inputs are small by design. */
#define REPLAY_MAX_INPUT ((size_t)16 * 1024 * 1024)

static int
run_one(const uint8_t *data, size_t size)
{
    /* A private copy of exactly `size` bytes: ASan sees any overread. Like
     * libFuzzer, the pointer is never NULL, even for the empty input. */
    uint8_t *copy = malloc(size); /* NOLINT(clang-analyzer-optin.portability.UnixAPI): 0 too */
    if (copy == NULL && size == 0)
        copy = malloc(1);
    if (copy == NULL)
        return -1;
    if (size > 0)
        memcpy(copy, data, size);
    LLVMFuzzerTestOneInput(copy, size);
    free(copy);
    return 0;
}

static int
run_file(const char *path, size_t *count)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long size;
    int rc = 0;
    if (f == NULL) {
        (void)fprintf(stderr, "replay: %s: %s (skipped)\n", path, strerror(errno));
        return 0;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (size_t)size > REPLAY_MAX_INPUT) {
        (void)fprintf(stderr, "replay: %s: unreadable or too large (skipped)\n", path);
        (void)fclose(f); /* read only */
        return 0;
    }
    buf = malloc((size_t)size + 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        (void)fprintf(stderr, "replay: %s: read failed\n", path);
        rc = -1;
    } else {
        rc = run_one(buf, (size_t)size);
        (*count)++;
    }
    free(buf);
    (void)fclose(f); /* read only */
    return rc;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of a directory, sorted by name for a stable order. */
static int
run_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL && rc == 0) {
        size_t need = strlen(dir) + strlen(e->d_name) + 2;
        struct stat sb;
        char *path;
        if (e->d_name[0] == '.')
            continue;
        path = malloc(need);
        if (path == NULL) {
            rc = -1;
            break;
        }
        (void)snprintf(path, need, "%s/%s", dir, e->d_name);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(path);
            continue;
        }
        if (n == cap) {
            char **bigger = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
            if (bigger == NULL) {
                free(path);
                rc = -1;
                break;
            }
            names = bigger;
        }
        names[n++] = path;
    }
    closedir(d);
    if (names != NULL)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = run_file(names[i], count);
        free(names[i]);
    }
    free(names);
    return rc;
}

int
main(int argc, char **argv)
{
    size_t count = 0;
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    if (run_one(NULL, 0) != 0)
        return 1;
    count++;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        int rc = 0;
        if (stat(argv[i], &sb) != 0) {
            /* A corpus that is not there would make the test pass on
             * nothing: the target's corpus folder is part of the tree. */
            (void)fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        if (S_ISDIR(sb.st_mode))
            rc = run_dir(argv[i], &count);
        else
            rc = run_file(argv[i], &count);
        if (rc != 0) {
            (void)fprintf(stderr, "replay: out of memory or read error\n");
            return 1;
        }
    }
    printf("replay: %zu inputs ran\n", count);
    return 0;
}
