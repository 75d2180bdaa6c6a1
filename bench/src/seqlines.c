/*
 * seqlines: the writer of bench/chaos's full-disk scenario (compiled at run time by bench/chaos).
 *
 *   seqlines COUNT RATE STAMPS
 *
 * Writes lines 0..COUNT-1 to stdout at about RATE lines a second (a batch every 10 ms), then
 * appends "done <COUNT> <CLOCK_REALTIME ns> <pid>" to STAMPS and exits 0.  It first appends
 * "start <ns> <pid>".  Line n is "seq <n> <payload>\n", the payload being 8 + n % 41 times the
 * letter 'a' + n % 26: the harness can tell a whole line from a torn or spliced one, and knows
 * the length, hence the bytes, of every line it does not find.  Each batch is one write(2) of
 * whole lines; when the supervisor stops reading the pipe (backpressure), write(2) blocks and the
 * program is slowed, which is what on_log_full: block is meant to do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int stamps = -1;

static void stamp(const char *what, long long n) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char buf[128];
    int len = n >= 0
        ? snprintf(buf, sizeof buf, "%s %lld %lld %d\n", what, n, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, (int)getpid())
        : snprintf(buf, sizeof buf, "%s %lld %d\n", what, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, (int)getpid());
    if (write(stamps, buf, (size_t)len) < 0) { /* nothing useful to do */ }
}

static void out(const char *buf, size_t len) {
    while (len > 0) {
        ssize_t w = write(1, buf, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            dprintf(2, "seqlines: write: %s\n", strerror(errno));
            _exit(3);
        }
        buf += w;
        len -= (size_t)w;
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: seqlines COUNT RATE STAMPS\n");
        return 2;
    }
    long long count = atoll(argv[1]);
    long long rate = atoll(argv[2]);
    stamps = open(argv[3], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (stamps < 0 || count < 0 || rate <= 0) {
        fprintf(stderr, "seqlines: bad arguments\n");
        return 2;
    }
    stamp("start", -1);
    long long per_batch = rate / 100 > 0 ? rate / 100 : 1;
    static char buf[1 << 20];
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (long long n = 0; n < count;) {
        size_t len = 0;
        for (long long i = 0; i < per_batch && n < count && len < sizeof buf - 128; i++, n++) {
            int pay = 8 + (int)(n % 41);
            len += (size_t)snprintf(buf + len, 64, "seq %lld ", n);
            memset(buf + len, 'a' + (int)(n % 26), (size_t)pay);
            len += (size_t)pay;
            buf[len++] = '\n';
        }
        out(buf, len);
        /* Absolute deadlines: a blocked write is not made up for by a burst, but the pace holds. */
        next.tv_nsec += 10 * 1000 * 1000;
        if (next.tv_nsec >= 1000000000L) { next.tv_sec++; next.tv_nsec -= 1000000000L; }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec)) {
            next = now;
        } else {
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) { }
        }
    }
    stamp("done", count);
    _exit(0);
}
