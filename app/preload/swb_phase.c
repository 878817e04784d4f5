/* libswb-phase.so: switches a running program from its init-phase seccomp filter to its serving
 * filter. Loaded with LD_PRELOAD; see docs/formats.md ("libswb-phase.so") and docs/architecture.md.
 *
 *   SWB_SERVING_FILTER  file with the serving filter: raw classic-BPF (struct sock_filter array, as
 *                       compileSeccompBpf / `swb profile --format bpf` write it). Unset: inactive.
 *   SWB_PHASE_TRIGGER   unset or empty: the first *blocking* call of a serving-loop function
 *                       (epoll_wait, epoll_pwait, epoll_pwait2, poll, ppoll, select, pselect,
 *                       accept, accept4; blocking: epoll_wait/epoll_pwait/poll with a non-zero
 *                       timeout, the others always) after the process (or the parent it was
 *                       forked from) called listen() -- the rule `swb phases` uses for its
 *                       serving-loop boundary; loop: the first serving-loop call of any kind;
 *                       function:NAME: the first call of that one; signal:SIG (SIGUSR2, USR2, 12):
 *                       when that signal arrives.
 *   SWB_PHASE_QUIET=1   no line on stderr when the filter is installed (errors are still printed).
 *
 * The filter is installed on top of whatever filter the process already has (the init filter),
 * with SECCOMP_FILTER_FLAG_TSYNC so that every thread gets it. Plain C, libc only, no allocation
 * after the constructor; the switch itself is async-signal-safe. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define FAIL_EXIT 126         /* the serving phase never runs without its filter */
#define MAX_FILTER_INSNS 4096 /* BPF_MAXINSNS */

enum loop_function {
    FN_EPOLL_WAIT,
    FN_EPOLL_PWAIT,
    FN_EPOLL_PWAIT2,
    FN_POLL,
    FN_PPOLL,
    FN_SELECT,
    FN_PSELECT,
    FN_ACCEPT,
    FN_ACCEPT4,
    FN_COUNT
};

static const char* const fn_names[FN_COUNT] = {"epoll_wait", "epoll_pwait", "epoll_pwait2", "poll",   "ppoll",
                                               "select",     "pselect",     "accept",       "accept4"};

enum trigger_kind {
    TRIGGER_NONE,
    TRIGGER_AFTER_LISTEN,
    TRIGGER_ANY_LOOP,
    TRIGGER_ONE_FUNCTION,
    TRIGGER_SIGNAL
};

enum switch_state { WAITING = 0, SWITCHING = 1, SWITCHED = 2 };

static struct sock_filter* serving_filter;
static unsigned short serving_len;
static enum trigger_kind trigger = TRIGGER_NONE;
static int trigger_function = -1;
static int trigger_signal;
static int quiet;
static atomic_int state = WAITING;
static atomic_int listened; /* listen() succeeded in this process or before its fork */

static void* real_fn[FN_COUNT];

/* A thread the C library is still starting (or creating) runs with every signal blocked, its
 * internal ones included; glibc never lets a program block those two itself. Seen from
 * /proc/self/task/TID/status: SigBlk has SIGCANCEL (32) and SIGSETXID (33) set. The switch waits
 * until no other thread is in that state, so that TSYNC does not catch a new thread before its
 * rseq / robust-list / signal-mask set-up, syscalls of init a serving filter rightly denies. */
#define START_WAIT_STEP_NS 1000000L /* 1 ms */
#define START_WAIT_STEPS 10000      /* at most 10 s, then switch anyway */

/* ---- async-signal-safe text output ---- */

struct line {
    char text[512];
    size_t len;
};

static void put(struct line* l, const char* s) {
    while (*s && l->len < sizeof l->text - 1)
        l->text[l->len++] = *s++;
}

static void put_number(struct line* l, long v) {
    char digits[24];
    int n = 0;
    unsigned long u = v < 0 ? (unsigned long)(-(v + 1)) + 1 : (unsigned long)v;
    if (v < 0)
        put(l, "-");
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u && n < (int)sizeof digits);
    while (n > 0 && l->len < sizeof l->text - 1)
        l->text[l->len++] = digits[--n];
}

static void emit(struct line* l) {
    put(l, "\n");
    const char* p = l->text;
    size_t left = l->len;
    while (left > 0) {
        ssize_t n = write(STDERR_FILENO, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        left -= (size_t)n;
    }
}

static void put_errno(struct line* l, int err) {
    const char* name = strerrorname_np(err);
    put(l, name ? name : "error");
    put(l, " (errno ");
    put_number(l, err);
    put(l, ")");
}

/* ---- signals by name ---- */

static const struct {
    const char* name;
    int number;
} signal_names[] = {{"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT},    {"USR1", SIGUSR1},
                    {"USR2", SIGUSR2}, {"ALRM", SIGALRM},   {"TERM", SIGTERM},    {"CHLD", SIGCHLD},
                    {"CONT", SIGCONT}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},    {"TTOU", SIGTTOU},
                    {"URG", SIGURG},   {"WINCH", SIGWINCH}, {"IO", SIGIO},        {"PWR", SIGPWR},
                    {"PIPE", SIGPIPE}, {"PROF", SIGPROF},   {"VTALRM", SIGVTALRM}};

static int parse_signal(const char* s) {
    if (strncmp(s, "SIG", 3) == 0)
        s += 3;
    if (*s >= '0' && *s <= '9') {
        char* end = NULL;
        long v = strtol(s, &end, 10);
        return (*end == '\0' && v > 0 && v < NSIG) ? (int)v : 0;
    }
    for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; ++i)
        if (strcmp(s, signal_names[i].name) == 0)
            return signal_names[i].number;
    return 0;
}

static void put_signal(struct line* l, int sig) {
    for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; ++i) {
        if (signal_names[i].number == sig) {
            put(l, "SIG");
            put(l, signal_names[i].name);
            return;
        }
    }
    put_number(l, sig);
}

/* ---- threads still starting ---- */

/* Whether the thread's blocked-signal mask holds the C library's internal signals 32 and 33.
 * Only open/read/close on a stack buffer: async-signal-safe. */
static int thread_starting(const char* tid) {
    char path[64] = "/proc/self/task/";
    size_t at = strlen(path);
    for (const char* c = tid; *c && at < sizeof path - 8; ++c)
        path[at++] = *c;
    memcpy(path + at, "/status", 8);
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* gone */
    char buf[4096];
    const ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char* field = strstr(buf, "\nSigBlk:");
    if (!field)
        return 0;
    field += 9;
    while (*field == ' ' || *field == '\t')
        ++field;
    uint64_t mask = 0;
    for (; *field; ++field) {
        const char c = *field;
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0)
            break;
        mask = mask << 4 | (uint64_t)digit;
    }
    const uint64_t internal = (1ull << (32 - 1)) | (1ull << (33 - 1));
    return (mask & internal) == internal;
}

struct dirent64_raw {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

static int another_thread_starting(void) {
    const int dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return 0;
    char self[24];
    {
        struct line l = {.len = 0};
        put_number(&l, (long)syscall(SYS_gettid));
        l.text[l.len] = '\0';
        memcpy(self, l.text, l.len + 1);
    }
    int starting = 0;
    char buf[4096] __attribute__((aligned(8)));
    long n;
    while (!starting && (n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n && !starting;) {
            const struct dirent64_raw* d = (const struct dirent64_raw*)(buf + off);
            off += d->reclen;
            if (d->name[0] >= '0' && d->name[0] <= '9' && strcmp(d->name, self) != 0)
                starting = thread_starting(d->name);
        }
    }
    close(dir);
    return starting;
}

/* ---- the switch ---- */

/* Installs the serving filter once per process. Async-signal-safe: only syscalls and the text
 * helpers above. `what` names the trigger for the log line. */
static void switch_to_serving(const char* what, int sig) {
    int expected = WAITING;
    if (!atomic_compare_exchange_strong(&state, &expected, SWITCHING))
        return;
    const int saved_errno = errno;
    for (int i = 0; i < START_WAIT_STEPS && another_thread_starting(); ++i) {
        struct timespec step = {.tv_sec = 0, .tv_nsec = START_WAIT_STEP_NS};
        nanosleep(&step, NULL);
    }
    struct line l = {.len = 0};
    put(&l, "swb-phase: ");
    int err = 0;
    long tsync_tid = 0;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        err = errno;
    } else {
        struct sock_fprog prog = {.len = serving_len, .filter = serving_filter};
        const long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
        if (rc < 0)
            err = errno;
        else if (rc > 0)
            tsync_tid = rc; /* that thread has a filter history of its own: TSYNC refused */
    }
    if (err == 0 && tsync_tid == 0) {
        atomic_store(&state, SWITCHED);
        if (!quiet) {
            put(&l, "serving filter installed (trigger: ");
            if (sig) {
                put(&l, "signal ");
                put_signal(&l, sig);
            } else {
                put(&l, what);
            }
            put(&l, ", ");
            put_number(&l, serving_len);
            put(&l, " instructions)");
            emit(&l);
        }
        errno = saved_errno;
        return;
    }
    put(&l, "cannot install the serving filter (trigger: ");
    put(&l, sig ? "signal" : what);
    put(&l, "): ");
    if (tsync_tid) {
        put(&l, "thread ");
        put_number(&l, tsync_tid);
        put(&l, " has a different seccomp filter, so SECCOMP_FILTER_FLAG_TSYNC failed");
    } else {
        put_errno(&l, err);
    }
    put(&l, "; exiting");
    emit(&l);
    _exit(FAIL_EXIT);
}

static inline void loop_call(enum loop_function fn, int blocking) {
    if (atomic_load_explicit(&state, memory_order_relaxed) != WAITING)
        return;
    if ((trigger == TRIGGER_AFTER_LISTEN && blocking &&
         atomic_load_explicit(&listened, memory_order_relaxed)) ||
        trigger == TRIGGER_ANY_LOOP || (trigger == TRIGGER_ONE_FUNCTION && trigger_function == (int)fn))
        switch_to_serving(fn_names[fn], 0);
}

static void on_trigger_signal(int sig) {
    switch_to_serving("signal", sig);
}

/* A child forked while another thread was in the middle of the switch may or may not have the
 * filter: let it switch itself at its own trigger (a second copy of the same filter is harmless). */
static void after_fork_in_child(void) {
    int expected = SWITCHING;
    atomic_compare_exchange_strong(&state, &expected, WAITING);
}

/* ---- set-up ---- */

static void fail_setup(const char* what, const char* detail, int err) {
    struct line l = {.len = 0};
    put(&l, "swb-phase: ");
    put(&l, what);
    if (detail) {
        put(&l, " ");
        put(&l, detail);
    }
    if (err) {
        put(&l, ": ");
        put_errno(&l, err);
    }
    emit(&l);
    _exit(FAIL_EXIT);
}

static void load_filter(const char* path) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail_setup("cannot open the serving filter SWB_SERVING_FILTER =", path, errno);
    struct stat st;
    if (fstat(fd, &st) != 0)
        fail_setup("cannot read the serving filter", path, errno);
    const size_t size = (size_t)st.st_size;
    if (size == 0 || size % sizeof(struct sock_filter) != 0 ||
        size / sizeof(struct sock_filter) > MAX_FILTER_INSNS)
        fail_setup("not a seccomp BPF program (the size must be a non-zero multiple of 8 bytes, at most "
                   "4096 instructions):",
                   path, 0);
    serving_filter = malloc(size);
    if (!serving_filter)
        fail_setup("out of memory reading", path, ENOMEM);
    size_t got = 0;
    while (got < size) {
        const ssize_t n = read(fd, (char*)serving_filter + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail_setup("cannot read the serving filter", path, n < 0 ? errno : EIO);
        got += (size_t)n;
    }
    close(fd);
    serving_len = (unsigned short)(size / sizeof(struct sock_filter));
}

/* ---- what the serving filter does with one syscall ---- */

/* Runs a seccomp classic-BPF program the way the kernel does, on a syscall with all arguments 0;
 * returns its action (SECCOMP_RET_*, data included). Instructions the kernel would refuse count as
 * a kill, so a filter the kernel loads never gets here with them. */
static uint32_t run_filter(const struct sock_filter* f, unsigned n, const struct seccomp_data* d) {
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
    for (unsigned pc = 0; pc < n; ++pc) {
        const struct sock_filter* in = &f[pc];
        const uint32_t k = in->k;
        const uint32_t src = BPF_SRC(in->code) == BPF_X ? x : k;
        switch (BPF_CLASS(in->code)) {
        case BPF_LD:
        case BPF_LDX: {
            uint32_t v;
            switch (BPF_MODE(in->code)) {
            case BPF_ABS:
                if (k % 4 || k + 4 > sizeof *d)
                    return SECCOMP_RET_KILL_PROCESS;
                memcpy(&v, (const char*)d + k, 4);
                break;
            case BPF_LEN:
                v = sizeof *d;
                break;
            case BPF_IMM:
                v = k;
                break;
            case BPF_MEM:
                if (k >= BPF_MEMWORDS)
                    return SECCOMP_RET_KILL_PROCESS;
                v = mem[k];
                break;
            default:
                return SECCOMP_RET_KILL_PROCESS;
            }
            if (BPF_CLASS(in->code) == BPF_LD)
                a = v;
            else
                x = v;
            break;
        }
        case BPF_ST:
        case BPF_STX:
            if (k >= BPF_MEMWORDS)
                return SECCOMP_RET_KILL_PROCESS;
            mem[k] = BPF_CLASS(in->code) == BPF_ST ? a : x;
            break;
        case BPF_ALU:
            switch (BPF_OP(in->code)) {
            case BPF_ADD:
                a += src;
                break;
            case BPF_SUB:
                a -= src;
                break;
            case BPF_MUL:
                a *= src;
                break;
            case BPF_DIV:
                if (!src)
                    return SECCOMP_RET_KILL_PROCESS;
                a /= src;
                break;
            case BPF_MOD:
                if (!src)
                    return SECCOMP_RET_KILL_PROCESS;
                a %= src;
                break;
            case BPF_OR:
                a |= src;
                break;
            case BPF_AND:
                a &= src;
                break;
            case BPF_XOR:
                a ^= src;
                break;
            case BPF_LSH:
                a = src < 32 ? a << src : 0;
                break;
            case BPF_RSH:
                a = src < 32 ? a >> src : 0;
                break;
            case BPF_NEG:
                a = -a;
                break;
            default:
                return SECCOMP_RET_KILL_PROCESS;
            }
            break;
        case BPF_JMP: {
            int taken;
            switch (BPF_OP(in->code)) {
            case BPF_JA:
                pc += k;
                continue;
            case BPF_JEQ:
                taken = a == src;
                break;
            case BPF_JGT:
                taken = a > src;
                break;
            case BPF_JGE:
                taken = a >= src;
                break;
            case BPF_JSET:
                taken = (a & src) != 0;
                break;
            default:
                return SECCOMP_RET_KILL_PROCESS;
            }
            pc += taken ? in->jt : in->jf;
            break;
        }
        case BPF_RET:
            return BPF_RVAL(in->code) == BPF_A ? a : k;
        case BPF_MISC:
            if (BPF_MISCOP(in->code) == BPF_TAX)
                x = a;
            else
                a = x;
            break;
        default:
            return SECCOMP_RET_KILL_PROCESS;
        }
    }
    return SECCOMP_RET_KILL_PROCESS;
}

/* The signal trigger installs the filter inside its handler, which then returns through
 * rt_sigreturn: a serving filter denying it would crash the program right at the switch. */
static void check_signal_return_allowed(void) {
#if defined(__x86_64__) && defined(__NR_rt_sigreturn)
    struct seccomp_data d;
    memset(&d, 0, sizeof d);
    d.nr = __NR_rt_sigreturn;
    d.arch = AUDIT_ARCH_X86_64;
    const uint32_t action = run_filter(serving_filter, serving_len, &d) & SECCOMP_RET_ACTION_FULL;
    if (action != SECCOMP_RET_ALLOW && action != SECCOMP_RET_LOG && action != SECCOMP_RET_TRACE)
        fail_setup("SWB_PHASE_TRIGGER=signal: the serving filter must allow rt_sigreturn (the switch "
                   "returns from a signal handler)",
                   NULL, 0);
#endif
}

static void parse_trigger(const char* spec) {
    if (!spec || !*spec) {
        trigger = TRIGGER_AFTER_LISTEN;
        return;
    }
    if (strcmp(spec, "loop") == 0) {
        trigger = TRIGGER_ANY_LOOP;
        return;
    }
    if (strncmp(spec, "function:", 9) == 0) {
        const char* name = spec + 9;
        if (strcmp(name, "pselect6") == 0)
            name = "pselect";
        for (int i = 0; i < FN_COUNT; ++i) {
            if (strcmp(name, fn_names[i]) == 0) {
                trigger = TRIGGER_ONE_FUNCTION;
                trigger_function = i;
                return;
            }
        }
        fail_setup("SWB_PHASE_TRIGGER: unknown serving-loop function (epoll_wait, epoll_pwait, epoll_pwait2, "
                   "poll, ppoll, select, pselect, accept, accept4):",
                   name, 0);
    }
    if (strncmp(spec, "signal:", 7) == 0) {
        const int sig = parse_signal(spec + 7);
        if (!sig)
            fail_setup("SWB_PHASE_TRIGGER: unknown signal", spec + 7, 0);
        check_signal_return_allowed();
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_trigger_signal;
        sigfillset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        if (sigaction(sig, &sa, NULL) != 0)
            fail_setup("SWB_PHASE_TRIGGER: cannot catch signal", spec + 7, errno);
        trigger = TRIGGER_SIGNAL;
        trigger_signal = sig;
        return;
    }
    fail_setup("SWB_PHASE_TRIGGER: expected loop, function:NAME or signal:SIGNAL, got", spec, 0);
}

__attribute__((constructor)) static void swb_phase_init(void) {
    for (int i = 0; i < FN_COUNT; ++i)
        real_fn[i] = dlsym(RTLD_NEXT, fn_names[i]);
    const char* path = getenv("SWB_SERVING_FILTER");
    if (!path || !*path)
        return; /* inactive: the program runs as if the library were not there */
    const char* q = getenv("SWB_PHASE_QUIET");
    quiet = q && strcmp(q, "1") == 0;
    load_filter(path);
    pthread_atfork(NULL, NULL, after_fork_in_child);
    parse_trigger(getenv("SWB_PHASE_TRIGGER"));
}

/* ---- the interposed serving-loop functions ---- */

typedef int (*epoll_wait_fn)(int, struct epoll_event*, int, int);
typedef int (*epoll_pwait_fn)(int, struct epoll_event*, int, int, const sigset_t*);
typedef int (*epoll_pwait2_fn)(int, struct epoll_event*, int, const struct timespec*, const sigset_t*);
typedef int (*poll_fn)(struct pollfd*, nfds_t, int);
typedef int (*ppoll_fn)(struct pollfd*, nfds_t, const struct timespec*, const sigset_t*);
typedef int (*select_fn)(int, fd_set*, fd_set*, fd_set*, struct timeval*);
typedef int (*pselect_fn)(int, fd_set*, fd_set*, fd_set*, const struct timespec*, const sigset_t*);
typedef int (*accept_fn)(int, __SOCKADDR_ARG, socklen_t*);
typedef int (*accept4_fn)(int, __SOCKADDR_ARG, socklen_t*, int);

/* Marks a loop call and returns the next definition of the function (the C library's), looked up
 * in the constructor or, when the program calls before it ran, now. ISO C has no conversion from
 * dlsym's void* to a function pointer: the caller copies the bytes. */
static void* next_definition(enum loop_function fn, int blocking) {
    loop_call(fn, blocking);
    if (!real_fn[fn])
        real_fn[fn] = dlsym(RTLD_NEXT, fn_names[fn]);
    if (!real_fn[fn])
        errno = ENOSYS;
    return real_fn[fn];
}

#define FORWARD(fn, blocking, type, ...)                                                                     \
    type f_;                                                                                                 \
    void* p_ = next_definition(fn, blocking);                                                                \
    if (!p_)                                                                                                 \
        return -1;                                                                                           \
    memcpy(&f_, &p_, sizeof f_);                                                                             \
    return f_(__VA_ARGS__)

EXPORT int epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout) {
    FORWARD(FN_EPOLL_WAIT, timeout != 0, epoll_wait_fn, epfd, events, maxevents, timeout);
}

EXPORT int epoll_pwait(int epfd, struct epoll_event* events, int maxevents, int timeout,
                       const sigset_t* sigmask) {
    FORWARD(FN_EPOLL_PWAIT, timeout != 0, epoll_pwait_fn, epfd, events, maxevents, timeout, sigmask);
}

EXPORT int epoll_pwait2(int epfd, struct epoll_event* events, int maxevents, const struct timespec* timeout,
                        const sigset_t* sigmask) {
    FORWARD(FN_EPOLL_PWAIT2, 1, epoll_pwait2_fn, epfd, events, maxevents, timeout, sigmask);
}

EXPORT int poll(struct pollfd* fds, nfds_t nfds, int timeout) {
    FORWARD(FN_POLL, timeout != 0, poll_fn, fds, nfds, timeout);
}

EXPORT int ppoll(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout, const sigset_t* sigmask) {
    FORWARD(FN_PPOLL, 1, ppoll_fn, fds, nfds, timeout, sigmask);
}

EXPORT int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds, struct timeval* timeout) {
    FORWARD(FN_SELECT, 1, select_fn, nfds, readfds, writefds, exceptfds, timeout);
}

EXPORT int pselect(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                   const struct timespec* timeout, const sigset_t* sigmask) {
    FORWARD(FN_PSELECT, 1, pselect_fn, nfds, readfds, writefds, exceptfds, timeout, sigmask);
}

EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t* restrict len) {
    FORWARD(FN_ACCEPT, 1, accept_fn, fd, addr, len);
}

EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t* restrict len, int flags) {
    FORWARD(FN_ACCEPT4, 1, accept4_fn, fd, addr, len, flags);
}

/* listen() marks the end of a server's set-up: the default trigger waits for it. */
typedef int (*listen_fn)(int, int);
static void* real_listen;

EXPORT int listen(int fd, int backlog) {
    if (!real_listen)
        real_listen = dlsym(RTLD_NEXT, "listen");
    if (!real_listen) {
        errno = ENOSYS;
        return -1;
    }
    listen_fn f;
    memcpy(&f, &real_listen, sizeof f);
    const int rc = f(fd, backlog);
    if (rc == 0)
        atomic_store_explicit(&listened, 1, memory_order_relaxed);
    return rc;
}

/* Programs built with _FORTIFY_SOURCE call poll and ppoll through these checked entry points. */
EXPORT int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen);
EXPORT int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen) {
    if (fdslen / sizeof *fds < nfds)
        abort(); /* what glibc's own check does (__chk_fail) */
    return poll(fds, nfds, timeout);
}

EXPORT int __ppoll_chk(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout,
                       const sigset_t* sigmask, size_t fdslen);
EXPORT int __ppoll_chk(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout,
                       const sigset_t* sigmask, size_t fdslen) {
    if (fdslen / sizeof *fds < nfds)
        abort();
    return ppoll(fds, nfds, timeout, sigmask);
}
