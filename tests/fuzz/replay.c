/* SPDX-License-Identifier: Apache-2.0 */
/* Replays fuzz inputs without libFuzzer, as SQLite's fuzzcheck does: linked with one fuzz target,
 * it calls LLVMFuzzerTestOneInput once for each file given, or for each file of each directory
 * given (one level down too, so that tests/fuzz/corpus replays every target's seeds). The target
 * aborts on a wrong answer; the sanitizers of the build catch the rest. Built in every
 * configuration, so that `make test` replays the seed corpora. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The largest seed replayed: libFuzzer's runs use -max_len=4097, the seeds are far smaller. */
#define REPLAY_INPUT_MAX (1u << 20)
/* Files under one directory: a corpus of seeds, not of generated inputs. */
#define REPLAY_DIR_FILES_MAX 10000

/* Runs one file through the target; returns 1 when it was run, 0 when it could not be read. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = malloc(REPLAY_INPUT_MAX);
    size_t n = 0;
    int ran = 0;

    if (f == NULL || buf == NULL) {
        fprintf(stderr, "replay: cannot read '%s'\n", path);
        goto out;
    }
    n = fread(buf, 1, REPLAY_INPUT_MAX, f);
    if (ferror(f) || !feof(f)) {
        fprintf(stderr, "replay: cannot read '%s' whole (at most %u bytes)\n", path,
                REPLAY_INPUT_MAX);
        goto out;
    }
    /* An exact-size copy, so that ASan sees a read past the input's end. */
    {
        uint8_t *copy = malloc(n > 0 ? n : 1);

        if (copy == NULL) {
            goto out;
        }
        memcpy(copy, buf, n);
        LLVMFuzzerTestOneInput(copy, n);
        free(copy);
    }
    ran = 1;
out:
    if (f != NULL) {
        fclose(f);
    }
    free(buf);
    return ran;
}

/* Runs each file of directory PATH; with subdirs, each file of each subdirectory too (one level:
 * corpus/<target>/<seed>: it calls itself once at most, with subdirs 0). Adds the inputs run to
 * *runs; returns -1 if anything could not be read. */
static int replay_dir(const char *path, int subdirs, unsigned *runs)
{
    DIR *dir = opendir(path);
    unsigned seen = 0;
    int rc = 0;

    if (dir == NULL) {
        fprintf(stderr, "replay: cannot open directory '%s'\n", path);
        return -1;
    }
    for (;;) {
        struct dirent *e = readdir(dir);
        struct stat st;
        char sub[4096];

        if (e == NULL || seen >= REPLAY_DIR_FILES_MAX) {
            break;
        }
        if (e->d_name[0] == '.') {
            continue;
        }
        seen++;
        if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >= (int)sizeof(sub) ||
            stat(sub, &st) < 0) {
            fprintf(stderr, "replay: cannot read '%s/%s'\n", path, e->d_name);
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            if (subdirs && replay_dir(sub, 0, runs) < 0) {
                rc = -1;
            }
        } else if (replay_file(sub) == 0) {
            rc = -1;
        } else {
            *runs += 1;
        }
    }
    closedir(dir);
    return rc;
}

/* Runs PATH, a file or a directory of inputs (replay_dir); returns -1 if it cannot be read. */
static int replay_path(const char *path, unsigned *runs)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        fprintf(stderr, "replay: no such file '%s'\n", path);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        return replay_dir(path, 1, runs);
    }
    if (replay_file(path) == 0) {
        return -1;
    }
    *runs += 1;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned runs = 0;
    int rc = 0;

    if (argc < 2) {
        fprintf(stderr,
                "usage: %s FILE|DIR...\n"
                "Runs each file (each file of each directory) through the fuzz target.\n",
                argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (replay_path(argv[i], &runs) < 0) {
            rc = 1;
        }
    }
    printf("replay: %u inputs run%s\n", runs, rc != 0 ? ", some unreadable" : "");
    return runs == 0 ? 1 : rc;
}
