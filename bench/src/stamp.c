/*
 * stamp: the child program of the Taskmaster benchmarks (compiled at run time by bench/run).
 *
 *   stamp FILE [exit|sleep|term]
 *
 * Appends "start <CLOCK_REALTIME ns> <pid>\n" to FILE first thing in main, then:
 *   exit  (default) appends "exit <ns> <pid>\n" and _exit(0)s at once      (respawn benchmark)
 *   sleep waits forever; dies of any signal                                   (spawn1000)
 *   term  waits; on SIGTERM appends "term <ns> <pid>\n", sleeps 1 s, appends
 *         "exit <ns> <pid>\n" and _exit(0)s                                  (stopall)
 * Each line is one write(2) on an O_APPEND descriptor, so lines of concurrent
 * processes never interleave.  FILE "-" writes nothing.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fd = -1;
static volatile sig_atomic_t termed;

static void stamp(const char *what) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (fd < 0) return;
    char buf[96];
    int n = snprintf(buf, sizeof buf, "%s %lld %d\n", what,
                     (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, (int)getpid());
    if (write(fd, buf, (size_t)n) < 0) { /* nothing useful to do */ }
}

static void on_term(int sig) { (void)sig; termed = 1; }

int main(int argc, char **argv) {
    const char *file = argc > 1 ? argv[1] : "-";
    if (strcmp(file, "-") != 0) fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    stamp("start");
    const char *mode = argc > 2 ? argv[2] : "exit";
    if (strcmp(mode, "sleep") == 0) {
        for (;;) pause();
    } else if (strcmp(mode, "term") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigprocmask(SIG_BLOCK, &block, &old);
        while (!termed) sigsuspend(&old);      /* no lost wake-up between the test and the wait */
        stamp("term");
        struct timespec one = {1, 0};
        while (nanosleep(&one, &one) != 0) { }
    } else if (strcmp(mode, "exit") != 0) {
        dprintf(2, "stamp: unknown mode %s\n", mode);
        _exit(2);
    }
    stamp("exit");
    _exit(0);
}
