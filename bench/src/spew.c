/*
 * spew: the output program of the Taskmaster output benchmarks (compiled at run time by bench/run).
 *
 *   spew bytes COUNT GATE STAMPS   writes COUNT bytes (a multiple of 64) of numbered 64-byte
 *                                  lines with 256 KiB write(2)s                    (throughput)
 *   spew lines COUNT GATE STAMPS   writes lines 0..COUNT-1 of varying length in chunks of
 *                                  varying size that ignore line boundaries        (integrity)
 *
 * Both modes first append "ready <CLOCK_REALTIME ns> <pid>" to STAMPS and then block opening
 * the fifo GATE for reading, until the harness opens it for writing: the daemon is fully up
 * and idle when the measured part starts, so neither its start-up nor a start request is
 * counted.  Then "start <ns> <pid>", the output on stdout, "end <ns> <pid>" right after the
 * last write(2) returned, and _exit(0) at once (no stdio buffer, no atexit: the last bytes
 * leave the program in the write(2) just before it exits, which is what the integrity test is
 * about).  Stamp lines are single write(2)s on an O_APPEND descriptor, as in stamp.c.
 *
 * A line of the lines mode is "<n> <payload>\n": the payload is 8 + n % 73 times the letter
 * 'a' + n % 26, so that the harness can tell a whole line from a torn or mixed one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { LINE = 64, BUF = 256 * 1024, DIGITS = 15 };

static int stamps = -1;

static void stamp(const char *what) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char buf[96];
    int n = snprintf(buf, sizeof buf, "%s %lld %d\n", what,
                     (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, (int)getpid());
    if (write(stamps, buf, (size_t)n) < 0) { /* nothing useful to do */ }
}

/* Writes all of buf to stdout; a supervisor's pipe takes it in pieces. */
static void out(const char *buf, size_t len) {
    while (len > 0) {
        ssize_t w = write(1, buf, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            dprintf(2, "spew: write: %s\n", strerror(errno));
            _exit(3);
        }
        buf += w;
        len -= (size_t)w;
    }
}

/* Increments a fixed-width decimal counter in place: formatting 16 M numbers with printf
 * would cost the writer more than the daemon spends on the bytes. */
static void increment(char *digits) {
    for (int i = DIGITS - 1; i >= 0; i--) {
        if (digits[i] != '9') { digits[i]++; return; }
        digits[i] = '0';
    }
}

static void bytes_mode(unsigned long long count) {
    static char buf[BUF];
    char counter[DIGITS];
    memset(counter, '0', DIGITS);
    for (int i = 0; i < BUF; i += LINE) {          /* "000000000000042 xxxx…x\n" */
        memset(buf + i + DIGITS, 'x', LINE - DIGITS - 1);
        buf[i + DIGITS] = ' ';
        buf[i + LINE - 1] = '\n';
    }
    stamp("start");
    unsigned long long left = count;
    while (left > 0) {
        size_t len = left < BUF ? (size_t)left : BUF;
        for (size_t i = 0; i < len; i += LINE) {      /* only the numbers change */
            memcpy(buf + i, counter, DIGITS);
            increment(counter);
        }
        out(buf, len);
        left -= len;
    }
}

static void lines_mode(unsigned long long count) {
    size_t cap = 2 * BUF, len = 0;
    char *buf = malloc(cap);
    if (!buf) _exit(4);
    unsigned int seed = 12345;
    stamp("start");
    for (unsigned long long n = 0; n < count || len > 0;) {
        while (n < count && len < BUF) {
            int pay = 8 + (int)(n % 73);
            len += (size_t)snprintf(buf + len, cap - len, "%llu ", n);
            memset(buf + len, 'a' + (int)(n % 26), (size_t)pay);
            len += (size_t)pay;
            buf[len++] = '\n';
            n++;
        }
        /* chunks of 1 byte to 64 KiB, cut anywhere in a line */
        seed = seed * 1103515245u + 12345u;
        size_t chunk = 1 + (seed >> 8) % 65536;
        if (chunk > len) chunk = len;
        out(buf, chunk);
        memmove(buf, buf + chunk, len - chunk);
        len -= chunk;
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        dprintf(2, "usage: spew bytes|lines COUNT GATE STAMPS\n");
        _exit(2);
    }
    unsigned long long count = strtoull(argv[2], NULL, 10);
    stamps = open(argv[4], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    stamp("ready");
    int gate = open(argv[3], O_RDONLY | O_CLOEXEC);   /* blocks until the harness opens it */
    if (gate < 0) {
        dprintf(2, "spew: %s: %s\n", argv[3], strerror(errno));
        _exit(2);
    }
    close(gate);
    if (strcmp(argv[1], "bytes") == 0) {
        if (count % LINE != 0) {
            dprintf(2, "spew: COUNT must be a multiple of %d\n", LINE);
            _exit(2);
        }
        bytes_mode(count);
    } else if (strcmp(argv[1], "lines") == 0) {
        lines_mode(count);
    } else {
        dprintf(2, "spew: unknown mode %s\n", argv[1]);
        _exit(2);
    }
    stamp("end");
    _exit(0);
}
