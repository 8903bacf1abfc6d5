// SPDX-License-Identifier: GPL-2.0
/*
 * aio-stress: a randomized stress workload for native AIO, polled
 * (io_setup2() with IOCTX_FLAG_IOPOLL, IOCB_FLAG_HIPRI iocbs) and classic
 * contexts at once, with the kernel's fault injection on the side.
 *
 * usage: aio-stress [--seed N] [--duration SECS] [--json FILE] [options]
 * (--help, and README.md "Stress: make stress").
 *
 * The controller (this process) does no AIO itself.  It forks:
 *
 *   io workers (--workers N)  one context each per incarnation, polled or
 *       classic in turn (with two or more workers both kinds are always
 *       running), a submitter thread and one or two reaper threads.  Reads
 *       and writes, vectored or not, 512 B (the target's logical block) to
 *       4 MiB, on every target, batched 1 to 8 per io_submit(), with
 *       invalid iocbs and invalid calls mixed in, and fork() with requests
 *       in flight.  An incarnation lives 5 to 40 s and ends by draining its
 *       requests, or by io_destroy(), _exit() or execve() with requests in
 *       flight; the controller SIGKILLs some; each is started again.
 *   life    forks children that exec, exit, lose a thread or are SIGKILLed
 *           with requests in flight (also while they wait in io_getevents)
 *   race    io_destroy() racing io_submit() and io_getevents() of two threads
 *   churn   contexts created and destroyed continuously (some with requests
 *           in flight), io_setup()/io_setup2() argument errors
 *   limit   fills fs.aio-max-nr and checks that io_setup() says EAGAIN
 *
 * The controller sends SIGUSR1/SIGUSR2 to random worker threads, SIGSTOPs
 * workers for up to 200 ms, SIGKILLs io workers, toggles the requested
 * fault injection on and off, watches every thread (an operation running
 * for more than --watchdog seconds is a violation), scans its children for
 * tasks in D state, and prints progress, then a JSON summary and
 * "N passed, N failed".
 *
 * Data checking stays sound with all this concurrency because nothing
 * shares data: every io worker owns, per target, a region of its own (a
 * block range of a device, a file of its own on a file system), one of two
 * that its incarnations use in turn, so that the writes of a killed
 * incarnation cannot land under the next one.  Within a worker no two
 * requests that overlap are ever in flight at once.  A write fills its
 * blocks with pattern(target, region, offset, generation); when it
 * completes with the full length the worker records the generation of
 * every block, when it fails (or its outcome is unknown) the blocks become
 * unknown until rewritten.  A successful read is checked block by block
 * against the recorded generation; unknown blocks are not checked.
 *
 * The op stream of worker W, incarnation I is a pure function of
 * (seed, W, I, op number): the same seed gives the same ops (timing,
 * faults and signals are not replayed).  --explain W.I.N prints op N.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>

/* The series' uapi, for headers that predate it (include/uapi/linux/aio_abi.h) */
#ifndef __NR_io_setup2
#define __NR_io_setup2		473
#endif
#ifndef IOCTX_FLAG_USERIOCB
#define IOCTX_FLAG_USERIOCB	(1 << 0)
#endif
#ifndef IOCTX_FLAG_IOPOLL
#define IOCTX_FLAG_IOPOLL	(1 << 1)
#endif
#ifndef IOCB_FLAG_RESFD
#define IOCB_FLAG_RESFD		(1 << 0)
#endif
#ifndef IOCB_FLAG_IOPRIO
#define IOCB_FLAG_IOPRIO	(1 << 1)
#endif
#ifndef IOCB_FLAG_HIPRI
#define IOCB_FLAG_HIPRI		(1 << 2)
#endif
#ifndef __NR_io_pgetevents
#define __NR_io_pgetevents	333
#endif

typedef uint64_t u64;
typedef int64_t s64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NSEC		1000000000LL
#define MSEC		1000000LL
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#define ADD(x, n)	__atomic_add_fetch(&(x), (n), __ATOMIC_RELAXED)

#define MAXIOW		32		/* io workers */
#define MAXW		(MAXIOW + 5)	/* + life, race, churn, limit, life child */
#define TPW		4		/* thread records per worker */
#define MAXTGT		8
#define NERR		192		/* errno values counted */
#define NVLOG		64		/* violations kept for the summary */
#define NSLOTS		32		/* requests an io worker has in flight */
#define NLARGE		4		/* of which can be up to 4 MiB */
#define MAX_IO		(4u << 20)
#define SMALL_IO	(512u << 10)
#define MAXVEC		8
#define GAP		4096		/* between iovec segments */
#define NEV		64
#define TAGMAGIC	0xa105ULL
#define POISON		0xa5

/* ------------------------------------------------------------------ */
/* op kinds                                                           */

enum {
	K_READ, K_WRITE, K_READV, K_WRITEV, K_FSYNC,		/* valid */
	I_BADF, I_RO_WRITE, I_KADDR, I_UNMAPPED, I_ROBUF, I_BADIOVEC,
	I_MANYVEC, I_RESERVED, I_OPCODE, I_IOPRIO, I_MISOFF, I_MISBUF,
	I_MISLEN, I_RWFLAGS, I_AIOFLAGS, I_HIPRI_CLASSIC, I_NOHIPRI,
	I_RESFD, I_CMD_POLLED, I_NOTDIRECT, I_DEVNULL,		/* invalid */
	C_CANCEL, C_BADCTX, C_GETEV_INVAL, C_SUBMIT_INVAL, C_FORK, /* calls */
	NKIND
};

static const char *const kind_name[NKIND] = {
	"read", "write", "readv", "writev", "fsync",
	"bad_fd", "write_on_rdonly_fd", "kernel_buffer", "unmapped_buffer",
	"readonly_buffer", "bad_iovec_pointer", "too_many_iovecs",
	"reserved_field_set", "unknown_opcode", "bad_ioprio",
	"misaligned_offset", "misaligned_buffer", "misaligned_length",
	"unknown_rw_flags", "unknown_aio_flags", "hipri_on_classic",
	"no_hipri_on_polled", "hipri_with_resfd", "non_rw_on_polled",
	"not_o_direct_on_polled", "no_iopoll_file_on_polled",
	"io_cancel", "bad_context", "io_getevents_invalid",
	"io_submit_invalid", "fork_in_flight",
};

static const u8 inv_common[] = {
	I_BADF, I_RO_WRITE, I_KADDR, I_UNMAPPED, I_ROBUF, I_BADIOVEC,
	I_MANYVEC, I_RESERVED, I_OPCODE, I_IOPRIO, I_MISOFF, I_MISBUF,
	I_MISLEN, I_RWFLAGS, I_AIOFLAGS,
};
static const u8 inv_polled[] = {
	I_NOHIPRI, I_RESFD, I_CMD_POLLED, I_NOTDIRECT, I_DEVNULL,
};
static const u8 ctl_kinds[] = {
	C_CANCEL, C_BADCTX, C_GETEV_INVAL, C_SUBMIT_INVAL, C_FORK,
};

static bool is_valid(int k) { return k <= K_FSYNC; }
static bool is_ctl(int k) { return k >= C_CANCEL; }

enum { CK_POLLED, CK_CLASSIC };
static const char *const ck_name[2] = { "polled", "classic" };

/* violation categories: each is one check of the summary */
enum {
	V_SETUP, V_EVENT, V_RESULT, V_DATA, V_SUBMIT, V_SYSCALL, V_EBUSY,
	V_WATCHDOG, V_WORKER, V_AIONR, V_DSTATE, V_FAULT, NVCAT
};
static const char *const vcat_name[NVCAT] = {
	"setup", "event", "result", "data", "submit", "syscall", "ebusy",
	"watchdog", "worker", "aio-nr", "d-state", "fault",
};

/* ------------------------------------------------------------------ */
/* shared memory: counters, violations, watchdog records              */

struct counters {
	u64 sub[2][NKIND], rej[2][NKIND], ok[2][NKIND], err[2][NKIND];
	u64 disc[2][NKIND];
	u64 e_submit[NERR], e_event[NERR], e_getev[NERR], e_setup[NERR];
	u64 e_destroy[NERR], e_call[NERR];
	u64 tgt_ok[MAXTGT], tgt_err[MAXTGT];
	u64 ebusy, ebusy_calls, eintr, partial, eagain_retries;
	u64 ctx_made[2], ctx_destroyed[2], destroy_in_flight;
	u64 maxnr_reached, maxnr_rounds, setup_invalid;
	u64 forks, execs, exits_in_flight, life_kills, thread_exits, races;
	u64 worker_kills, stops, sigs_sent, sigs_caught, incarnations;
	u64 reads_checked, bytes_checked, blocks_unknown;
	u64 viol[NVCAT];
};

struct trec {
	int pid, tid;
	s64 since;		/* 0: not in an operation */
	s64 reported;		/* the since that was reported */
	char what[96];
};

struct prec {
	int pid, inc, exit_mode, killed, alive;
	s64 started;
	u64 rsub[2][NKIND], rev[2][NKIND];
};

struct shm {
	volatile int stop;
	u32 nvlog;		/* violations so far (all kinds) */
	struct counters c;
	char vlog[NVLOG][400];
	struct trec t[MAXW * TPW];
	struct prec p[MAXW];
};

static struct shm *shm;

/* ------------------------------------------------------------------ */
/* options and global state (set up before the first fork)            */

enum { F_FAILSLAB, F_PAGEALLOC, F_MKREQ, F_IOTIMEOUT, F_NB_TIMEOUT,
       F_NB_REQUEUE, F_NB_BADBLOCKS, NFAULT };
static const char *const fault_name[NFAULT] = {
	"failslab", "fail_page_alloc", "fail_make_request", "fail_io_timeout",
	"nullb_timeout", "nullb_requeue", "nullb_badblocks",
};

static struct {
	u64 seed;
	int duration, workers, watchdog, progress;
	const char *json;
	bool classic_only, chaos, invalid, dstate_all, verbose, json_quiet;
	unsigned fault_mask;
	int fault_pct;
	const char *explain;
	const char *trace;
} opt = {
	.duration = 180, .workers = 4, .watchdog = 60, .progress = 10,
	.chaos = true, .invalid = true, .fault_pct = -1,
};

static bool has_setup2;		/* io_setup2 exists */
static bool polled_ok;		/* polled contexts are used */
static bool faults_io;		/* a fault kind that makes I/O fail is on */
static bool faults_alloc;	/* failslab or fail_page_alloc is on */
static bool pgetevents_ok = true;
static int nreg;		/* regions per target */
static int W_LIFE, W_RACE, W_CHURN, W_LIMIT, W_LIFECHILD, NW;
static s64 t_start;

/* per process */
static int g_wid = -1, g_inc;
static char g_who[32] = "controller";
static __thread int t_trec = -1;
static __thread int t_fi_fd = -1;

/* ------------------------------------------------------------------ */
/* helpers                                                            */

static s64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static void sleep_ns(s64 ns)
{
	struct timespec ts = { ns / NSEC, ns % NSEC };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* sleep, but not past the end of the run */
static void nap_ms(s64 ms)
{
	while (ms > 0 && !shm->stop) {
		sleep_ns(MIN(ms, 100) * MSEC);
		ms -= 100;
	}
}

static void out(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

/* One line on stdout, "# " first (TAP comments), one write(). */
static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	buf[0] = '#';
	buf[1] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(buf + 2, sizeof(buf) - 3, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = MIN(n + 2, (int)sizeof(buf) - 2);
	buf[n++] = '\n';
	out(buf, n);
}

static const char *errname(int e)
{
	static __thread char buf[16];
	const char *s = e > 0 ? strerrorname_np(e) : NULL;

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static void __attribute__((format(printf, 2, 3))) violation(int cat, const char *fmt, ...)
{
	char msg[400], line[512];
	va_list ap;
	u32 i;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ADD(shm->c.viol[cat], 1);
	i = __atomic_fetch_add(&shm->nvlog, 1, __ATOMIC_RELAXED);
	/* the first 200 in full, then one in 1000: all are counted */
	if (i < 200 || i % 1000 == 0) {
		n = snprintf(line, sizeof(line), "# VIOLATION [%s] seed=%" PRIu64 " %s: %s%s\n",
			     vcat_name[cat], opt.seed, g_who, msg,
			     i == 199 ? " (further violations: one in 1000 printed)" : "");
		out(line, MIN(n, (int)sizeof(line) - 1));
	}
	if (i < NVLOG)
		snprintf(shm->vlog[i], sizeof(shm->vlog[i]), "[%s] %s: %.340s",
			 vcat_name[cat], g_who, msg);
}

static void count_err(u64 *tab, int e)
{
	if (e > 0 && e < NERR)
		ADD(tab[e], 1);
}

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return 0;
}

static long read_long(const char *path, long dflt)
{
	char buf[64];

	if (read_str(path, buf, sizeof(buf)))
		return dflt;
	return strtol(buf, NULL, 0);
}

static u64 aio_nr(void)
{
	return read_long("/proc/sys/fs/aio-nr", -1);
}

/* ------------------------------------------------------------------ */
/* random numbers: splitmix64, streams keyed by (seed, a, b, c, d)     */

static u64 mix64(u64 z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct rng { u64 s; };

static u64 rnd(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static u64 below(struct rng *r, u64 n)
{
	return n ? rnd(r) % n : 0;
}

static s64 between(struct rng *r, s64 lo, s64 hi)
{
	return lo + (s64)below(r, hi - lo + 1);
}

static struct rng rng_for(u64 a, u64 b, u64 c, u64 d)
{
	struct rng r = { mix64(opt.seed ^ mix64(a ^ mix64(b ^ mix64(c ^ mix64(d))))) };

	return r;
}

/* ------------------------------------------------------------------ */
/* the system calls; alloc faults only inside them (make-it-fail)      */

static void fi(int on)
{
	if (t_fi_fd >= 0 && pwrite(t_fi_fd, on ? "1" : "0", 1, 0) < 0)
		t_fi_fd = -1;
}

static void fi_thread_init(void)
{
	if (faults_alloc && t_fi_fd < 0)
		t_fi_fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
}

#define SC(expr) ({ long __r; int __e; fi(1); __r = (expr); __e = errno; fi(0); __r < 0 ? -(long)__e : __r; })

static long a_setup2(unsigned nr, unsigned flags, void *iocbs, void *u1, void *u2, aio_context_t *ctx)
{
	return SC(syscall(__NR_io_setup2, nr, flags, iocbs, u1, u2, ctx));
}

static long a_setup(unsigned nr, aio_context_t *ctx)
{
	return SC(syscall(__NR_io_setup, nr, ctx));
}

static long a_destroy(aio_context_t ctx)
{
	return SC(syscall(__NR_io_destroy, ctx));
}

static long a_submit(aio_context_t ctx, long nr, struct iocb **cbs)
{
	return SC(syscall(__NR_io_submit, ctx, nr, cbs));
}

static long a_cancel(aio_context_t ctx, struct iocb *cb, struct io_event *ev)
{
	return SC(syscall(__NR_io_cancel, ctx, cb, ev));
}

static long a_getevents(aio_context_t ctx, long min, long nr, struct io_event *ev,
			struct timespec *ts, const sigset_t *mask)
{
	struct { const sigset_t *m; size_t sz; } ss = { mask, _NSIG / 8 };
	long r;

	if (mask && pgetevents_ok) {
		r = SC(syscall(__NR_io_pgetevents, ctx, min, nr, ev, ts, &ss));
		if (r != -ENOSYS)
			return r;
		pgetevents_ok = false;
	}
	return SC(syscall(__NR_io_getevents, ctx, min, nr, ev, ts));
}

/* a context of kind ck; 0 or -errno */
static long ctx_create(int ck, unsigned nr, aio_context_t *ctx, int how)
{
	long r;

	*ctx = 0;
	if (ck == CK_POLLED)
		r = a_setup2(nr, IOCTX_FLAG_IOPOLL, NULL, NULL, NULL, ctx);
	else if (has_setup2 && (how & 1))
		r = a_setup2(nr, 0, NULL, NULL, NULL, ctx);
	else
		r = a_setup(nr, ctx);
	if (r == 0)
		ADD(shm->c.ctx_made[ck], 1);
	else
		count_err(shm->c.e_setup, -r);
	return r;
}

/* ------------------------------------------------------------------ */
/* watchdog records                                                   */

static void treg(int k)
{
	if (g_wid < 0 || k >= TPW)
		return;
	t_trec = g_wid * TPW + k;
	shm->t[t_trec].since = 0;
	shm->t[t_trec].pid = getpid();
	__atomic_store_n(&shm->t[t_trec].tid, (int)gettid(), __ATOMIC_RELEASE);
}

static void __attribute__((format(printf, 1, 2))) act(const char *fmt, ...)
{
	struct trec *t;
	va_list ap;

	if (t_trec < 0)
		return;
	t = &shm->t[t_trec];
	va_start(ap, fmt);
	vsnprintf(t->what, sizeof(t->what), fmt, ap);
	va_end(ap);
	__atomic_store_n(&t->since, now_ns(), __ATOMIC_RELEASE);
}

static void act_done(void)
{
	if (t_trec >= 0)
		__atomic_store_n(&shm->t[t_trec].since, 0, __ATOMIC_RELEASE);
}

static void tunreg_all(int wid)
{
	int k;

	for (k = 0; k < TPW; k++) {
		shm->t[wid * TPW + k].tid = 0;
		shm->t[wid * TPW + k].since = 0;
	}
}

/* ------------------------------------------------------------------ */
/* targets                                                            */

struct target {
	char env[24];		/* the variable, or "nullb_fault" */
	char path[PATH_MAX];	/* device, or directory */
	char dev[64];		/* block device name in sysfs */
	bool is_bdev, pollable, data, made, mkreq, iotimeout;
	bool nullb_mem;		/* a memory-backed null_blk */
	unsigned lbs;
	u32 max_io;
	u64 rsize;		/* bytes per region */
	int fd, fd_ro, fd_buf;	/* block device: O_DIRECT rw, O_DIRECT ro, buffered */
	int *rfd;		/* file system: a file per region */
	char (*rpath)[PATH_MAX];
};

static struct target tg[MAXTGT];
static int ntg;

static const char *const target_envs[] = {
	"AIO_DEV_NULLB_POLL", "AIO_DEV_NULLB_SLOW", "AIO_DEV_NULLB_TAGS",
	"AIO_DEV_NVME", "AIO_DIR_XFS", "AIO_DIR_EXT4",
};

static int fd_for(const struct target *t, int region)
{
	return t->is_bdev ? t->fd : t->rfd[region];
}

static u64 base_for(const struct target *t, int region)
{
	return t->is_bdev ? (u64)region * t->rsize : 0;
}

static u64 key_base(int tgt, int region)
{
	return ((u64)tgt << 56) | ((u64)region << 44);
}

static void dev_name(dev_t d, char *name, size_t len)
{
	char path[128], real[PATH_MAX];
	const char *b;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(d), minor(d));
	if (!realpath(path, real)) {
		snprintf(name, len, "%u:%u", major(d), minor(d));
		return;
	}
	b = strrchr(real, '/');
	snprintf(name, len, "%.63s", b ? b + 1 : real);
}

static long dev_attr(dev_t d, const char *attr, long dflt)
{
	char path[160];
	long v;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s", major(d), minor(d), attr);
	v = read_long(path, LONG_MIN);
	if (v != LONG_MIN)
		return v;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../%s", major(d), minor(d), attr);
	v = read_long(path, LONG_MIN);
	return v == LONG_MIN ? dflt : v;
}

/* 0, or -1 with err saying why */
static int target_open(struct target *t, char *err, size_t errlen)
{
	struct stat st;
	char cfg[PATH_MAX + 64];
	int lbs;
	u64 size;

	t->fd = t->fd_ro = t->fd_buf = -1;
	if (stat(t->path, &st)) {
		snprintf(err, errlen, "%s=%s: %s", t->env, t->path, strerror(errno));
		return -1;
	}
	if (S_ISBLK(st.st_mode)) {
		t->is_bdev = true;
		/* O_EXCL: never a device that is mounted or in use; held all run */
		t->fd = open(t->path, O_RDWR | O_DIRECT | O_EXCL | O_CLOEXEC);
		if (t->fd < 0) {
			snprintf(err, errlen, "%s=%s: open(O_DIRECT|O_EXCL): %s",
				 t->env, t->path, strerror(errno));
			return -1;
		}
		if (ioctl(t->fd, BLKSSZGET, &lbs) || ioctl(t->fd, BLKGETSIZE64, &size)) {
			snprintf(err, errlen, "%s: block device ioctls: %s", t->path, strerror(errno));
			return -1;
		}
		t->lbs = lbs;
		dev_name(st.st_rdev, t->dev, sizeof(t->dev));
		t->pollable = dev_attr(st.st_rdev, "queue/io_poll", 0) == 1;
		t->fd_ro = open(t->path, O_RDONLY | O_DIRECT | O_CLOEXEC);
		t->fd_buf = open(t->path, O_RDONLY | O_CLOEXEC);
		size = MIN(size, 256ULL << 20);
		t->rsize = size / nreg / (1 << 20) * (1 << 20);
		if (t->rsize < (1 << 20)) {
			snprintf(err, errlen, "%s: %" PRIu64 " bytes is too small for %d regions of 1 MiB",
				 t->path, size, nreg);
			return -1;
		}
		t->max_io = MIN((u64)MAX_IO, t->rsize / 2);
		t->data = true;
		snprintf(cfg, sizeof(cfg), "/sys/kernel/config/nullb/%s/memory_backed", t->dev);
		if (read_long(cfg, 1) == 0)
			t->data = false;	/* null_blk without memory: no data */
		t->nullb_mem = read_long(cfg, 0) == 1;
		t->mkreq = !strncmp(t->dev, "nullb", 5) || !strncmp(t->dev, "nvme", 4) ||
			   t->made;
		/* NVMe's timeout handler aborts and resets: only null_blk */
		t->iotimeout = !strncmp(t->dev, "nullb", 5) || t->made;
	} else if (S_ISDIR(st.st_mode)) {
		struct statx stx;
		int r;

		t->is_bdev = false;
		t->data = true;
		t->rfd = calloc(nreg, sizeof(*t->rfd));
		t->rpath = calloc(nreg, sizeof(*t->rpath));
		if (!t->rfd || !t->rpath) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		t->rsize = 8ULL << 20;
		t->max_io = MAX_IO;
		for (r = 0; r < nreg; r++) {
			snprintf(t->rpath[r], PATH_MAX, "%.4000s/aio-stress.%d.%d", t->path, getpid(), r);
			t->rfd[r] = open(t->rpath[r], O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0600);
			if (t->rfd[r] < 0) {
				snprintf(err, errlen, "%s=%s: open(%s, O_DIRECT): %s", t->env, t->path,
					 t->rpath[r], strerror(errno));
				return -1;
			}
			/* sparse: writes fill holes, reads of holes are not checked */
			if (ftruncate(t->rfd[r], t->rsize)) {
				snprintf(err, errlen, "%s: ftruncate: %s", t->rpath[r], strerror(errno));
				return -1;
			}
		}
		t->fd_ro = open(t->rpath[0], O_RDONLY | O_DIRECT | O_CLOEXEC);
		t->fd_buf = open(t->rpath[0], O_RDONLY | O_CLOEXEC);
		t->lbs = 4096;
		if (!statx(t->rfd[0], "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) && stx.stx_blksize)
			t->lbs = stx.stx_blksize;
#ifdef STATX_DIOALIGN
		if (!statx(t->rfd[0], "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) &&
		    (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align > t->lbs)
			t->lbs = stx.stx_dio_offset_align;
#endif
		dev_name(st.st_dev, t->dev, sizeof(t->dev));
		t->pollable = dev_attr(st.st_dev, "queue/io_poll", 0) == 1;
	} else {
		snprintf(err, errlen, "%s=%s: neither a block device nor a directory", t->env, t->path);
		return -1;
	}
	if (t->fd_ro < 0 || t->fd_buf < 0) {
		snprintf(err, errlen, "%s: opening it read-only: %s", t->path, strerror(errno));
		return -1;
	}
	return 0;
}

static void targets_close(void)
{
	int i, r;

	for (i = 0; i < ntg; i++) {
		struct target *t = &tg[i];

		if (t->fd >= 0)
			close(t->fd);
		if (t->fd_ro >= 0)
			close(t->fd_ro);
		if (t->fd_buf >= 0)
			close(t->fd_buf);
		t->fd = t->fd_ro = t->fd_buf = -1;
		if (!t->rfd)
			continue;
		for (r = 0; r < nreg; r++) {
			if (t->rfd[r] >= 0)
				close(t->rfd[r]);
			unlink(t->rpath[r]);
		}
	}
}

/* ------------------------------------------------------------------ */
/* expected results                                                   */

struct eset { u64 w[3]; };

static void es_add(struct eset *s, int e)
{
	if (e > 0 && e < NERR)
		s->w[e / 64] |= 1ULL << (e % 64);
}

static bool es_has(const struct eset *s, int e)
{
	return e > 0 && e < NERR && (s->w[e / 64] >> (e % 64) & 1);
}

static void es_fmt(const struct eset *s, char *buf, size_t len)
{
	size_t n = 0;
	int e;

	buf[0] = '\0';
	for (e = 1; e < NERR && n + 1 < len; e++)
		if (es_has(s, e))
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", errname(e));
	if (!n)
		snprintf(buf, len, "none");
}

struct expect {
	struct eset sub;	/* io_submit() errors */
	struct eset ev;		/* negative results */
	bool full;		/* result = the full length */
	bool zero;		/* result 0 (fsync) */
};

/* ------------------------------------------------------------------ */
/* ops                                                                */

struct op {
	u64 idx;
	u8 kind, tgt, nvec, write, vec, batch;
	u16 variant;
	u64 off;		/* within the region */
	u32 len;
	u32 seg[MAXVEC];	/* vectored: segment lengths */
	u8 gaps;		/* bit j: a gap before segment j */
};

static u32 pick_len(struct rng *r, unsigned lbs, u32 max_io)
{
	u32 q = below(r, 100), hi;

	hi = q < 60 ? 64u << 10 : q < 90 ? SMALL_IO : MAX_IO;
	hi = MIN(hi, max_io);
	if (hi < lbs)
		hi = lbs;
	return (1 + below(r, hi / lbs)) * lbs;
}

/*
 * Op number idx of worker wid, incarnation inc, context kind ck: a pure
 * function of the seed and these.
 */
static void gen_op(int wid, int inc, int ck, u64 idx, struct op *op)
{
	struct rng r = rng_for(1, wid, inc, idx);
	const struct target *t;
	u32 p, blocks, left, j;
	int k;

	memset(op, 0, sizeof(*op));
	op->idx = idx;
	op->batch = 1 + below(&r, 8);
	op->tgt = below(&r, ntg);
	op->variant = below(&r, 65536);
	t = &tg[op->tgt];
	p = below(&r, 1000);
	if (opt.invalid && p < 10) {
		k = ctl_kinds[below(&r, ARRAY_SIZE(ctl_kinds))];
	} else if (opt.invalid && p < 60) {
		u32 n = ARRAY_SIZE(inv_common) + 1 +
			(ck == CK_POLLED ? ARRAY_SIZE(inv_polled) : 0);

		j = below(&r, n);
		if (j < ARRAY_SIZE(inv_common))
			k = inv_common[j];
		else if (j == ARRAY_SIZE(inv_common))
			k = ck == CK_CLASSIC ? (has_setup2 ? I_HIPRI_CLASSIC : I_AIOFLAGS) : I_OPCODE;
		else
			k = inv_polled[j - ARRAY_SIZE(inv_common) - 1];
	} else {
		u32 q = below(&r, 100);

		k = q < 36 ? K_READ : q < 72 ? K_WRITE : q < 85 ? K_READV :
		    q < 98 ? K_WRITEV : ck == CK_CLASSIC ? K_FSYNC : K_READ;
	}
	op->kind = k;

	/* direction and shape */
	switch (k) {
	case K_WRITE:
	case K_WRITEV:
	case I_RO_WRITE:
		op->write = 1;
		break;
	case I_BADF:
	case I_KADDR:
	case I_UNMAPPED:
	case I_BADIOVEC:
	case I_RESERVED:
	case I_RWFLAGS:
	case I_IOPRIO:
		op->write = op->variant & 1;
		break;
	case I_MISOFF:
	case I_MISBUF:
	case I_MISLEN:
		/* a misaligned write may go buffered on a file: block devices only */
		op->write = t->is_bdev && (op->variant & 1);
		break;
	default:
		op->write = 0;
	}
	op->vec = k == K_READV || k == K_WRITEV || k == I_BADIOVEC || k == I_MANYVEC ||
		  ((k == I_UNMAPPED || k == I_RESERVED || k == I_MISBUF) && (op->variant & 2));

	if (is_valid(k) && k != K_FSYNC)
		op->len = pick_len(&r, t->lbs, t->max_io);
	else
		op->len = (1 + below(&r, MAX(1u, MIN(64u << 10, t->max_io) / t->lbs))) * t->lbs;
	/* room for a misaligned offset or length after the range */
	op->off = below(&r, (t->rsize - op->len - t->lbs) / t->lbs + 1) * t->lbs;

	if (op->vec) {
		blocks = op->len / t->lbs;
		op->nvec = 1 + below(&r, MIN((u32)MAXVEC, blocks));
		left = blocks;
		for (j = 0; j + 1 < op->nvec; j++) {
			u32 b = 1 + below(&r, left - (op->nvec - 1 - j));

			op->seg[j] = b * t->lbs;
			left -= b;
		}
		op->seg[j] = left * t->lbs;
		op->gaps = below(&r, 256) & ~1u;
	} else {
		op->nvec = 1;
		op->seg[0] = op->len;
	}
}

static void fmt_op(const struct op *op, int ck, int region, char *buf, size_t len)
{
	const struct target *t = &tg[op->tgt];

	if (is_ctl(op->kind)) {
		snprintf(buf, len, "op#%" PRIu64 " %s (%s context)", op->idx,
			 kind_name[op->kind], ck_name[ck]);
		return;
	}
	snprintf(buf, len, "op#%" PRIu64 " %s%s %s (%s) region %d off %#" PRIx64
		 " len %u nvec %u, %s context", op->idx, kind_name[op->kind],
		 is_valid(op->kind) ? "" : (op->write ? " (write)" : " (read)"),
		 t->env, t->dev, region, op->off, op->len, op->nvec, ck_name[ck]);
}

static void expect_for(const struct op *op, int ck, struct expect *ex)
{
	const struct target *t = &tg[op->tgt];

	memset(ex, 0, sizeof(*ex));
	switch (op->kind) {
	case K_READ: case K_WRITE: case K_READV: case K_WRITEV:
		ex->full = true;
		break;
	case K_FSYNC:
		ex->zero = true;
		break;
	case I_BADF:
	case I_RO_WRITE:
		es_add(&ex->sub, EBADF);
		break;
	case I_KADDR:
	case I_BADIOVEC:
		es_add(&ex->sub, EFAULT);
		break;
	case I_UNMAPPED:
	case I_ROBUF:
		/* import_ubuf() checks the range only: the pages fail later */
		es_add(&ex->sub, EFAULT);
		es_add(&ex->ev, EFAULT);
		es_add(&ex->ev, EIO);
		break;
	case I_MANYVEC: case I_RESERVED: case I_OPCODE: case I_IOPRIO:
	case I_HIPRI_CLASSIC: case I_NOHIPRI: case I_RESFD: case I_CMD_POLLED:
		es_add(&ex->sub, EINVAL);
		break;
	case I_MISOFF:
	case I_MISBUF:
	case I_MISLEN:
		es_add(&ex->sub, EINVAL);
		es_add(&ex->ev, EINVAL);
		/*
		 * ext4 (and others) fall back to buffered I/O when misaligned;
		 * a kernel without the series (--classic-only) may be older or
		 * newer than the series' base: 6.18 takes a misaligned buffer
		 * for a one-bio request, 7.3 refuses it.
		 */
		ex->full = !t->is_bdev || !has_setup2;
		break;
	case I_RWFLAGS:
	case I_NOTDIRECT:
	case I_DEVNULL:
		es_add(&ex->sub, EOPNOTSUPP);
		break;
	case I_AIOFLAGS:
		/* unknown aio_flags bits have always been ignored */
		ex->full = true;
		es_add(&ex->sub, EINVAL);
		break;
	}
	(void)ck;
	/* a request that a signal interrupts is failed with EINTR (aio_rw_done) */
	es_add(&ex->ev, EINTR);
	if (faults_io || faults_alloc) {
		es_add(&ex->sub, ENOMEM);
		es_add(&ex->sub, EAGAIN);
		es_add(&ex->sub, EIO);
		es_add(&ex->ev, EIO);
		es_add(&ex->ev, ENOMEM);
		es_add(&ex->ev, ETIMEDOUT);
		/* never EAGAIN as an event: SPEC.md says it is issued again */
	}
	/*
	 * A memory-backed null_blk allocates its backing pages as a write
	 * comes, in the submitter's context when it completes inline: with
	 * failslab or fail_page_alloc on there, it fails the write with
	 * BLK_STS_NOSPC (copy_to_nullb()), which is ENOSPC in the event.
	 */
	if (faults_alloc && t->nullb_mem &&
	    (op->kind == K_WRITE || op->kind == K_WRITEV || (!is_valid(op->kind) && op->write)))
		es_add(&ex->ev, ENOSPC);
}

/* ------------------------------------------------------------------ */
/* the request machinery shared by io workers, race and life children  */

enum { S_FREE, S_STAGED, S_INFLIGHT, S_DONE };

struct slot {
	struct iocb cb;
	struct iovec iov[MAXVEC];
	u8 *buf;
	size_t cap;
	struct op op;
	struct expect ex;
	u32 seq;
	int state;
	s64 t_sub;
	bool slow_reported;
	u64 koff;		/* file offset given to the kernel */
	u64 rlo, rhi;		/* block range claimed, in region bytes */
};

struct wk {
	int wid, inc, ck, region, nreap, rec;
	bool check;		/* data checking (io workers) */
	aio_context_t ctx;
	unsigned nr_events;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot *slots;
	int nslots, inflight;
	volatile int stop_reap;	/* reapers leave when nothing is in flight */
	volatile int quit;	/* reapers leave now */
	volatile int destroying;	/* io_destroy() called: EINVAL is fine */
	u32 *gen[MAXTGT];	/* per block: generation of the last write, 0 unknown */
	u8 *guard, *robuf;
	int efd, zfd;
	u32 seqno;
	pthread_t rt[2];
	s64 last_scan;
};

static int wk_init(struct wk *W, int wid, int inc, int ck, int region, int nslots,
		   int nlarge, bool check)
{
	int i;

	memset(W, 0, sizeof(*W));
	W->wid = wid;
	W->inc = inc;
	W->ck = ck;
	W->region = region;
	W->rec = wid;
	W->check = check;
	W->nslots = nslots;
	W->efd = W->zfd = -1;
	pthread_mutex_init(&W->mu, NULL);
	pthread_cond_init(&W->cv, NULL);
	W->slots = calloc(nslots, sizeof(*W->slots));
	if (!W->slots)
		return -1;
	for (i = 0; i < nslots; i++) {
		struct slot *s = &W->slots[i];
		size_t cap = (i < nlarge ? MAX_IO : SMALL_IO) + (MAXVEC + 1) * GAP;

		s->buf = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s->buf == MAP_FAILED)
			return -1;
		s->cap = cap;
	}
	W->guard = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	W->robuf = mmap(NULL, 64 << 10, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (W->guard == MAP_FAILED || W->robuf == MAP_FAILED)
		return -1;
	W->efd = eventfd(0, EFD_CLOEXEC);
	W->zfd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (check) {
		for (i = 0; i < ntg; i++) {
			W->gen[i] = calloc(tg[i].rsize / tg[i].lbs, sizeof(u32));
			if (!W->gen[i])
				return -1;
		}
	}
	return 0;
}

static void wk_free(struct wk *W)
{
	int i;

	for (i = 0; i < W->nslots; i++)
		if (W->slots[i].buf && W->slots[i].buf != MAP_FAILED)
			munmap(W->slots[i].buf, W->slots[i].cap);
	free(W->slots);
	munmap(W->guard, 1 << 20);
	munmap(W->robuf, 64 << 10);
	if (W->efd >= 0)
		close(W->efd);
	if (W->zfd >= 0)
		close(W->zfd);
	for (i = 0; i < MAXTGT; i++)
		free(W->gen[i]);
	pthread_mutex_destroy(&W->mu);
	pthread_cond_destroy(&W->cv);
}

static void cv_wait_ms(struct wk *W, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)ms * MSEC;
	ts.tv_sec += ts.tv_nsec / NSEC;
	ts.tv_nsec %= NSEC;
	pthread_cond_timedwait(&W->cv, &W->mu, &ts);
}

static u64 tag_for(const struct wk *W, u32 gen)
{
	return gen | ((u64)W->inc << 32) | ((u64)W->wid << 52);
}

static inline u64 pword(u64 key, u64 tag)
{
	return mix64(key ^ (tag * 0xd6e8feb86659fd93ULL));
}

/* buffer address of segment j */
static u8 *seg_addr(struct slot *s, int j)
{
	u64 off = 0;
	int i;

	for (i = 0; i < j; i++)
		off += s->op.seg[i];
	for (i = 1; i <= j; i++)
		if (s->op.gaps >> i & 1)
			off += GAP;
	return s->buf + off;
}

/* needed buffer size */
static size_t op_need(const struct op *op)
{
	return op->len + (size_t)(MAXVEC + 1) * GAP;
}

/*
 * Claim a free slot for op whose range overlaps nothing in flight.  With
 * wait, waits (returns NULL when told to stop); without, returns NULL.
 */
static struct slot *claim(struct wk *W, const struct op *op, bool wait, volatile int *stopflag)
{
	const struct target *t = &tg[op->tgt];
	u64 lo = op->off / t->lbs * t->lbs;
	u64 hi = op->off + op->len + t->lbs;	/* misaligned ops reach past */
	size_t need = op_need(op);
	struct slot *best;
	int i;

	pthread_mutex_lock(&W->mu);
	for (;;) {
		bool overlap = false;

		best = NULL;
		for (i = 0; i < W->nslots; i++) {
			struct slot *s = &W->slots[i];

			if (s->state == S_FREE) {
				if (s->cap >= need && (!best || s->cap < best->cap))
					best = s;
			} else if (s->op.tgt == op->tgt && s->rlo < hi && lo < s->rhi) {
				overlap = true;
			}
		}
		if (best && !overlap)
			break;
		if (!wait || (stopflag && *stopflag) || W->quit) {
			pthread_mutex_unlock(&W->mu);
			return NULL;
		}
		act("%s: waiting for a free slot (%d in flight)", g_who, W->inflight);
		cv_wait_ms(W, 100);
	}
	best->state = S_STAGED;
	best->op = *op;
	best->rlo = lo;
	best->rhi = hi;
	pthread_mutex_unlock(&W->mu);
	act_done();
	return best;
}

static void release(struct wk *W, struct slot *s)
{
	pthread_mutex_lock(&W->mu);
	s->state = S_FREE;
	pthread_cond_broadcast(&W->cv);
	pthread_mutex_unlock(&W->mu);
}

/* Fill the iocb (and the buffer) of a claimed slot. */
static void prep(struct wk *W, struct slot *s)
{
	struct op *op = &s->op;
	const struct target *t = &tg[op->tgt];
	struct iocb *cb = &s->cb;
	u64 kb = key_base(op->tgt, W->region);
	int j, fd = fd_for(t, W->region);
	u64 foff = op->off;

	memset(cb, 0, sizeof(*cb));
	s->koff = base_for(t, W->region) + op->off;
	cb->aio_fildes = fd;
	cb->aio_offset = s->koff;
	cb->aio_flags = W->ck == CK_POLLED ? IOCB_FLAG_HIPRI : 0;
	for (j = 0; j < op->nvec; j++) {
		u8 *a = seg_addr(s, j);

		s->iov[j].iov_base = a;
		s->iov[j].iov_len = op->seg[j];
		if (op->write) {
			u64 *w = (u64 *)a, tag = tag_for(W, (u32)(op->idx + 1));
			u32 i;

			for (i = 0; i < op->seg[j] / 8; i++)
				w[i] = pword(kb + foff + 8 * i, tag);
		} else if (is_valid(op->kind)) {
			memset(a, POISON, op->seg[j]);
		}
		foff += op->seg[j];
	}
	if (op->vec) {
		cb->aio_lio_opcode = op->write ? IOCB_CMD_PWRITEV : IOCB_CMD_PREADV;
		cb->aio_buf = (uintptr_t)s->iov;
		cb->aio_nbytes = op->nvec;
	} else {
		cb->aio_lio_opcode = op->write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
		cb->aio_buf = (uintptr_t)s->buf;
		cb->aio_nbytes = op->len;
	}

	switch (op->kind) {
	case K_FSYNC:
		cb->aio_lio_opcode = op->variant & 1 ? IOCB_CMD_FDSYNC : IOCB_CMD_FSYNC;
		cb->aio_buf = cb->aio_nbytes = cb->aio_offset = 0;
		break;
	case I_BADF:
		cb->aio_fildes = op->variant & 4 ? (u32)-1 : 1000000;
		break;
	case I_RO_WRITE:
		cb->aio_fildes = t->fd_ro;
		break;
	case I_KADDR:
		cb->aio_lio_opcode = op->write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
		cb->aio_buf = 0xffff888000000000ULL + (op->variant << 12);
		cb->aio_nbytes = op->len;
		break;
	case I_UNMAPPED:
		if (op->vec)
			for (j = 0; j < op->nvec; j++)
				s->iov[j].iov_base = W->guard;
		else
			cb->aio_buf = (uintptr_t)W->guard;
		break;
	case I_ROBUF:
		cb->aio_lio_opcode = IOCB_CMD_PREAD;
		cb->aio_buf = (uintptr_t)W->robuf;
		cb->aio_nbytes = MIN(op->len, 64u << 10);
		break;
	case I_BADIOVEC:
		cb->aio_buf = (uintptr_t)W->guard;
		break;
	case I_MANYVEC:
		cb->aio_nbytes = 1025;		/* > UIO_MAXIOV */
		break;
	case I_RESERVED:
		cb->aio_reserved2 = 1 + (op->variant >> 4);
		break;
	case I_OPCODE: {
		static const u16 bad[] = { 4, 9, 10, 0x42, 0xffff };

		cb->aio_lio_opcode = bad[op->variant % ARRAY_SIZE(bad)];
		break;
	}
	case I_IOPRIO:
		cb->aio_flags |= IOCB_FLAG_IOPRIO;
		cb->aio_reqprio = (4 + op->variant % 4) << 13;	/* no such class */
		break;
	case I_MISOFF:
		cb->aio_offset += t->lbs / 2;
		break;
	case I_MISBUF:
		if (op->vec)
			s->iov[0].iov_base = (u8 *)s->iov[0].iov_base + 1 + 2 * (op->variant % 4);
		else
			cb->aio_buf += 1 + 2 * (op->variant % 4);	/* odd: no DMA alignment */
		break;
	case I_MISLEN:
		cb->aio_lio_opcode = op->write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
		cb->aio_buf = (uintptr_t)s->buf;
		cb->aio_nbytes = op->len + t->lbs / 2;
		break;
	case I_RWFLAGS:
		cb->aio_rw_flags = 1u << (30 - op->variant % 8);
		break;
	case I_AIOFLAGS:
		cb->aio_flags |= 1u << (5 + op->variant % 3);
		break;
	case I_HIPRI_CLASSIC:
		cb->aio_flags |= IOCB_FLAG_HIPRI;
		break;
	case I_NOHIPRI:
		cb->aio_flags &= ~IOCB_FLAG_HIPRI;
		break;
	case I_RESFD:
		cb->aio_flags |= IOCB_FLAG_RESFD;
		cb->aio_resfd = W->efd;
		break;
	case I_CMD_POLLED: {
		static const u16 cmd[] = { IOCB_CMD_FSYNC, IOCB_CMD_FDSYNC, IOCB_CMD_POLL, IOCB_CMD_NOOP };

		cb->aio_lio_opcode = cmd[op->variant % 4];
		cb->aio_buf = cb->aio_lio_opcode == IOCB_CMD_POLL ? 1 /* POLLIN */ : 0;
		cb->aio_nbytes = cb->aio_offset = 0;
		break;
	}
	case I_NOTDIRECT:
		cb->aio_fildes = t->fd_buf;
		break;
	case I_DEVNULL:
		cb->aio_fildes = W->zfd;
		cb->aio_offset = 0;
		break;
	}
}

static u64 full_len(const struct slot *s)
{
	if (s->op.kind == I_MISLEN)
		return s->op.len + tg[s->op.tgt].lbs / 2;
	if (s->op.kind == I_ROBUF)
		return MIN(s->op.len, 64u << 10);
	return s->op.len;
}

static void describe(struct wk *W, const struct slot *s, char *buf, size_t len)
{
	fmt_op(&s->op, W->ck, W->region, buf, len);
}

/* Check a successful read against the generations of its blocks. */
static void check_read(struct wk *W, struct slot *s)
{
	const struct op *op = &s->op;
	const struct target *t = &tg[op->tgt];
	u64 kb = key_base(op->tgt, W->region), foff = op->off;
	u32 *gen = W->gen[op->tgt];
	u64 checked = 0, unknown = 0;
	int j;

	if (!W->check || !t->data || !gen || !is_valid(op->kind) || op->write ||
	    op->kind == K_FSYNC)
		return;
	for (j = 0; j < op->nvec; j++) {
		const u8 *a = seg_addr(s, j);
		u32 b;

		for (b = 0; b < op->seg[j] / t->lbs; b++) {
			u64 boff = foff + (u64)b * t->lbs;
			u32 g = __atomic_load_n(&gen[boff / t->lbs], __ATOMIC_RELAXED);
			const u64 *w = (const u64 *)(a + (u64)b * t->lbs);
			u64 tag = tag_for(W, g);
			u32 i;

			if (!g) {
				unknown++;
				continue;
			}
			for (i = 0; i < t->lbs / 8; i++) {
				u64 want = pword(kb + boff + 8 * i, tag);

				if (w[i] != want) {
					char d[256];

					describe(W, s, d, sizeof(d));
					violation(V_DATA, "%s: byte %#" PRIx64 " of the read (region offset %#"
						  PRIx64 ") is %#018" PRIx64 ", the last write there (op#%u) wrote %#018"
						  PRIx64 "%s; replay: --seed %" PRIu64 " --explain %d.%d.%" PRIu64,
						  d, boff - op->off + 8 * i, boff + 8 * i, w[i], g - 1, want,
						  w[i] == 0xa5a5a5a5a5a5a5a5ULL ? " (never filled: poison)" : "",
						  opt.seed, W->wid, W->inc, op->idx);
					return;
				}
			}
			checked++;
		}
		foff += op->seg[j];
	}
	ADD(shm->c.reads_checked, 1);
	ADD(shm->c.bytes_checked, checked * t->lbs);
	ADD(shm->c.blocks_unknown, unknown);
}

/* After a write: the generation of its blocks, or unknown. */
static void record_write(struct wk *W, struct slot *s, bool ok)
{
	const struct target *t = &tg[s->op.tgt];
	u32 *gen = W->gen[s->op.tgt];
	u64 b, lo, hi;
	u32 g = ok ? (u32)(s->op.idx + 1) : 0;

	if (!gen)
		return;
	lo = s->rlo / t->lbs;
	hi = MIN((s->rhi + t->lbs - 1) / t->lbs, t->rsize / t->lbs);
	if (ok) {
		lo = s->op.off / t->lbs;
		hi = (s->op.off + s->op.len) / t->lbs;
	}
	for (b = lo; b < hi; b++)
		__atomic_store_n(&gen[b], g, __ATOMIC_RELAXED);
}

static bool writes_data(const struct slot *s)
{
	return s->op.write || s->op.kind == K_WRITE || s->op.kind == K_WRITEV;
}

static void handle_event(struct wk *W, const struct io_event *ev)
{
	u64 d = ev->data;
	unsigned idx = (d >> 32) & 0xffff;
	struct slot *s;
	char desc[256];
	s64 res = ev->res;
	bool good = false;

	if ((d >> 48) != TAGMAGIC || idx >= (unsigned)W->nslots) {
		violation(V_EVENT, "event with aio_data %#" PRIx64 " that no iocb of this context carried (obj %#llx, res %lld)",
			  d, (unsigned long long)ev->obj, (long long)ev->res);
		return;
	}
	pthread_mutex_lock(&W->mu);
	s = &W->slots[idx];
	if (s->state != S_INFLIGHT || s->seq != (u32)d) {
		describe(W, s, desc, sizeof(desc));
		pthread_mutex_unlock(&W->mu);
		violation(V_EVENT, "a second (or stray) event for slot %u seq %u (slot now %s seq %u, last %s): res %lld",
			  idx, (u32)d, s->state == S_FREE ? "free" : s->state == S_STAGED ? "staged" : "done",
			  s->seq, desc, (long long)ev->res);
		return;
	}
	s->state = S_DONE;
	pthread_mutex_unlock(&W->mu);

	describe(W, s, desc, sizeof(desc));
	if (ev->obj != (uintptr_t)&s->cb)
		violation(V_EVENT, "%s: event obj %#llx is not the iocb %p", desc,
			  (unsigned long long)ev->obj, (void *)&s->cb);
	if (ev->res2)
		violation(V_RESULT, "%s: res2 %lld, not 0", desc, (long long)ev->res2);
	if (res >= 0) {
		if ((s->ex.full && (u64)res == full_len(s)) || (s->ex.zero && res == 0)) {
			good = true;
		} else {
			violation(V_RESULT, "%s: result %lld, expected %s; replay: --seed %" PRIu64 " --explain %d.%d.%" PRIu64,
				  desc, (long long)res,
				  s->ex.full ? "the full length" : s->ex.zero ? "0" : "an error",
				  opt.seed, W->wid, W->inc, s->op.idx);
		}
		ADD(shm->c.ok[W->ck][s->op.kind], 1);
		ADD(shm->c.tgt_ok[s->op.tgt], 1);
	} else {
		char set[200];

		count_err(shm->c.e_event, -res);
		ADD(shm->c.err[W->ck][s->op.kind], 1);
		ADD(shm->c.tgt_err[s->op.tgt], 1);
		if (!es_has(&s->ex.ev, -res)) {
			es_fmt(&s->ex.ev, set, sizeof(set));
			violation(V_RESULT, "%s: result -%s, expected %s%s; replay: --seed %" PRIu64 " --explain %d.%d.%" PRIu64,
				  desc, errname(-res), s->ex.full ? "the full length or " : "",
				  set, opt.seed, W->wid, W->inc, s->op.idx);
		}
	}
	ADD(shm->p[W->rec].rev[W->ck][s->op.kind], 1);
	if (good && !s->op.write)
		check_read(W, s);
	if (writes_data(s))
		record_write(W, s, good && is_valid(s->op.kind));

	pthread_mutex_lock(&W->mu);
	s->state = S_FREE;
	W->inflight--;
	pthread_cond_broadcast(&W->cv);
	pthread_mutex_unlock(&W->mu);
}

/* Requests in flight for longer than the watchdog: each is a violation. */
static void scan_slow(struct wk *W)
{
	s64 now = now_ns();
	int i;

	if (now - W->last_scan < NSEC)
		return;
	W->last_scan = now;
	pthread_mutex_lock(&W->mu);
	for (i = 0; i < W->nslots; i++) {
		struct slot *s = &W->slots[i];
		char d[256];

		if (s->state != S_INFLIGHT || s->slow_reported ||
		    now - s->t_sub < (s64)opt.watchdog * NSEC)
			continue;
		s->slow_reported = true;
		describe(W, s, d, sizeof(d));
		violation(V_WATCHDOG, "%s: no event %d s after io_submit() accepted it", d, opt.watchdog);
	}
	pthread_mutex_unlock(&W->mu);
}

struct rarg { struct wk *W; int k; };

static void *reaper(void *arg)
{
	struct rarg *ra = arg;
	struct wk *W = ra->W;
	struct rng r = rng_for(2, W->wid, W->inc, ra->k);
	struct io_event ev[NEV];
	sigset_t mask;
	int k = ra->k;

	free(ra);
	treg(k);
	fi_thread_init();
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	for (;;) {
		struct timespec ts = { 0, 200 * MSEC }, *tsp = &ts;
		long min_nr, nr, n, i;
		int infl, q;

		pthread_mutex_lock(&W->mu);
		while (W->inflight == 0 && !W->stop_reap && !W->quit) {
			act("%s reaper %d: waiting for requests", g_who, k);
			cv_wait_ms(W, 50);
		}
		infl = W->inflight;
		pthread_mutex_unlock(&W->mu);
		act_done();
		if (W->quit || (W->stop_reap && infl == 0))
			break;
		scan_slow(W);

		min_nr = 1 + below(&r, MIN(infl, 4));
		nr = min_nr + below(&r, NEV - min_nr + 1);
		q = below(&r, 100);
		if (q < 5)
			ts.tv_nsec = 0;		/* one pass */
		else if (q < 25 && W->ck == CK_POLLED)
			tsp = NULL;		/* returns when nothing could satisfy min_nr */
		act("%s reaper %d: io_getevents(min %ld, nr %ld, %s) on a %s context, %d in flight",
		    g_who, k, min_nr, nr, tsp ? (ts.tv_nsec ? "200 ms" : "0") : "no timeout",
		    ck_name[W->ck], infl);
		n = a_getevents(W->ctx, min_nr, nr, ev, tsp, below(&r, 100) < 30 ? &mask : NULL);
		act_done();
		if (W->ck == CK_POLLED && W->nreap == 2)
			ADD(shm->c.ebusy_calls, 1);
		if (n < 0) {
			count_err(shm->c.e_getev, -n);
			if (n == -EINTR) {
				ADD(shm->c.eintr, 1);
			} else if (n == -EBUSY && W->ck == CK_POLLED && (W->nreap == 2 || W->destroying)) {
				ADD(shm->c.ebusy, 1);
				sleep_ns(between(&r, 100000, 1000000));
			} else if (n == -EBUSY) {
				violation(V_EBUSY, "io_getevents() on a %s context with %s: EBUSY",
					  ck_name[W->ck], W->nreap == 2 ? "two reapers" : "one reaper");
				sleep_ns(10 * MSEC);
			} else if (n == -EINVAL && W->destroying) {
				break;
			} else if ((n == -ENOMEM || n == -EAGAIN) && (faults_alloc || faults_io)) {
				sleep_ns(MSEC);
			} else {
				violation(V_SYSCALL, "io_getevents(min %ld, nr %ld) on a %s context: %s",
					  min_nr, nr, ck_name[W->ck], errname(-n));
				sleep_ns(10 * MSEC);
			}
			continue;
		}
		if (n > nr)
			violation(V_EVENT, "io_getevents(min %ld, nr %ld) returned %ld events", min_nr, nr, n);
		for (i = 0; i < MIN(n, nr); i++)
			handle_event(W, &ev[i]);
	}
	act_done();
	return NULL;
}

static int start_reapers(struct wk *W, int n)
{
	int i;

	W->nreap = n;
	for (i = 0; i < n; i++) {
		struct rarg *ra = malloc(sizeof(*ra));

		if (!ra)
			return -1;
		ra->W = W;
		ra->k = 1 + i;
		if (pthread_create(&W->rt[i], NULL, reaper, ra)) {
			free(ra);
			W->nreap = i;
			return -1;
		}
	}
	return 0;
}

static void join_reapers(struct wk *W, bool now)
{
	int i;

	pthread_mutex_lock(&W->mu);
	if (now)
		W->quit = 1;
	W->stop_reap = 1;
	pthread_cond_broadcast(&W->cv);
	pthread_mutex_unlock(&W->mu);
	for (i = 0; i < W->nreap; i++)
		pthread_join(W->rt[i], NULL);
	W->nreap = 0;
}

enum { SB_OK, SB_DEAD };

/*
 * Submit claimed (prepared) slots.  They are marked in flight first: the
 * reaper may see an event before io_submit() returns.  What io_submit()
 * did not accept is taken back; an event for it is a violation.
 */
static int submit(struct wk *W, struct slot **S, int n, volatile int *stopflag)
{
	int done = 0, i;
	s64 eagain_since = 0;

	while (done < n) {
		struct iocb *cbs[8];
		int m = n - done;
		long r;

		pthread_mutex_lock(&W->mu);
		for (i = 0; i < m; i++) {
			struct slot *s = S[done + i];

			s->seq = ++W->seqno;
			s->cb.aio_data = TAGMAGIC << 48 | (u64)(s - W->slots) << 32 | s->seq;
			s->state = S_INFLIGHT;
			s->t_sub = now_ns();
			s->slow_reported = false;
			cbs[i] = &s->cb;
			W->inflight++;
		}
		pthread_mutex_unlock(&W->mu);
		act("%s: io_submit(%d) of %s%s", g_who, m, kind_name[S[done]->op.kind],
		    m > 1 ? " and more" : "");
		r = a_submit(W->ctx, m, cbs);
		act_done();

		/* take back what was not accepted */
		pthread_mutex_lock(&W->mu);
		for (i = r > 0 ? r : 0; i < m; i++) {
			struct slot *s = S[done + i];

			if (s->state != S_INFLIGHT || s->seq != (u32)s->cb.aio_data) {
				char d[256];

				describe(W, s, d, sizeof(d));
				pthread_mutex_unlock(&W->mu);
				violation(V_EVENT, "%s: an event came for an iocb that io_submit() did not accept (returned %ld)",
					  d, r);
				pthread_mutex_lock(&W->mu);
				continue;
			}
			s->state = S_STAGED;
			W->inflight--;
		}
		pthread_cond_broadcast(&W->cv);
		pthread_mutex_unlock(&W->mu);

		if (r > 0) {
			for (i = 0; i < r; i++) {
				ADD(shm->c.sub[W->ck][S[done + i]->op.kind], 1);
				ADD(shm->p[W->rec].rsub[W->ck][S[done + i]->op.kind], 1);
			}
			if (r > m)
				violation(V_SUBMIT, "io_submit(%d) returned %ld", m, r);
			if (r < m)
				ADD(shm->c.partial, 1);
			done += MIN(r, m);
			continue;
		}
		if (r == 0) {
			violation(V_SUBMIT, "io_submit(%d) returned 0", m);
			for (i = done; i < n; i++)
				release(W, S[i]);
			return SB_OK;
		}
		count_err(shm->c.e_submit, -r);
		if (r == -EAGAIN) {
			/* capacity or tags: wait for a completion, try again */
			ADD(shm->c.eagain_retries, 1);
			if (!eagain_since) {
				eagain_since = now_ns();
			} else if (now_ns() - eagain_since > (s64)opt.watchdog * NSEC) {
				char d[256];

				describe(W, S[done], d, sizeof(d));
				violation(V_WATCHDOG, "%s: io_submit() said EAGAIN for %d s (%d in flight)",
					  d, opt.watchdog, W->inflight);
				for (i = done; i < n; i++)
					release(W, S[i]);
				return SB_OK;
			}
			pthread_mutex_lock(&W->mu);
			if (W->inflight > 0)
				cv_wait_ms(W, 10);
			pthread_mutex_unlock(&W->mu);
			if (W->inflight == 0)
				sleep_ns(MSEC);
			if ((stopflag && *stopflag && W->inflight == 0) || W->quit) {
				for (i = done; i < n; i++)
					release(W, S[i]);
				return SB_OK;
			}
			continue;
		}
		if (r == -EINVAL && W->destroying) {
			for (i = done; i < n; i++)
				release(W, S[i]);
			return SB_DEAD;
		}
		{
			struct slot *s = S[done];

			if (es_has(&s->ex.sub, -r)) {
				ADD(shm->c.rej[W->ck][s->op.kind], 1);
			} else {
				char d[256], set[200];

				describe(W, s, d, sizeof(d));
				es_fmt(&s->ex.sub, set, sizeof(set));
				violation(V_SUBMIT, "%s: io_submit() failed with %s, expected %s; replay: --seed %" PRIu64
					  " --explain %d.%d.%" PRIu64, d, errname(-r),
					  is_valid(s->op.kind) ? "success" : set, opt.seed, W->wid, W->inc,
					  s->op.idx);
			}
			release(W, s);
			done++;
		}
	}
	return SB_OK;
}

/* Wait until nothing is in flight; false (and violations) after the watchdog. */
static bool drain(struct wk *W)
{
	s64 deadline = now_ns() + (s64)opt.watchdog * NSEC;
	int i, left;

	pthread_mutex_lock(&W->mu);
	while (W->inflight > 0 && now_ns() < deadline) {
		act("%s: draining, %d in flight", g_who, W->inflight);
		cv_wait_ms(W, 100);
	}
	left = W->inflight;
	pthread_mutex_unlock(&W->mu);
	act_done();
	if (!left)
		return true;
	for (i = 0; i < W->nslots; i++) {
		struct slot *s = &W->slots[i];
		char d[256];

		if (s->state != S_INFLIGHT || s->slow_reported)
			continue;
		describe(W, s, d, sizeof(d));
		violation(V_EVENT, "%s: accepted by io_submit(), no event after %d s", d, opt.watchdog);
	}
	return false;
}

static void destroy_ctx(struct wk *W, bool in_flight)
{
	long r;

	act("%s: io_destroy() of a %s context%s", g_who, ck_name[W->ck],
	    in_flight ? " with requests in flight" : "");
	r = a_destroy(W->ctx);
	act_done();
	if (r) {
		count_err(shm->c.e_destroy, -r);
		violation(V_SYSCALL, "io_destroy() of a %s context: %s", ck_name[W->ck], errname(-r));
	} else {
		ADD(shm->c.ctx_destroyed[W->ck], 1);
		if (in_flight)
			ADD(shm->c.destroy_in_flight, 1);
	}
}

/* io_setup, retrying while fs.aio-max-nr is full; false after the watchdog */
static bool make_ctx(struct wk *W, unsigned nr, int how)
{
	s64 deadline = now_ns() + (s64)opt.watchdog * NSEC;
	long r;

	for (;;) {
		act("%s: creating a %s context (nr_events %u)", g_who, ck_name[W->ck], nr);
		r = ctx_create(W->ck, nr, &W->ctx, how);
		act_done();
		if (!r) {
			W->nr_events = nr;
			return true;
		}
		if (r != -EAGAIN && !(r == -ENOMEM && faults_alloc)) {
			violation(V_SYSCALL, "creating a %s context with %u events: %s",
				  ck_name[W->ck], nr, errname(-r));
			return false;
		}
		if (now_ns() > deadline) {
			violation(V_WATCHDOG, "creating a %s context: %s for %d s",
				  ck_name[W->ck], errname(-r), opt.watchdog);
			return false;
		}
		if (shm->stop)
			return false;
		sleep_ns(5 * MSEC);
	}
}

/* ------------------------------------------------------------------ */
/* worker process set-up                                              */

static void on_sig(int sig)
{
	(void)sig;
	ADD(shm->c.sigs_caught, 1);
}

static void worker_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_flags = 0;		/* SIGUSR2 interrupts what it can */
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
}

static void block_usr_signals(void)
{
	sigset_t m;

	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGUSR2);
	sigprocmask(SIG_BLOCK, &m, NULL);
}

static void exec_true(void)
{
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };

	block_usr_signals();	/* the mask and pending signals survive exec */
	execve("/bin/true", argv, envp);
	_exit(3);
}

/* ------------------------------------------------------------------ */
/* io worker                                                          */

enum { END_DRAIN, END_DESTROY, END_EXIT, END_EXEC };
static const char *const end_name[] = { "drain", "io_destroy in flight", "_exit in flight", "execve in flight" };

static void do_fork_check(struct wk *W)
{
	struct io_event ev;
	struct timespec ts = { 0, 0 };
	struct iocb cb, *cbs[1] = { &cb };
	s64 deadline;
	int status = 0, i;
	pid_t pid, w;

	memset(&cb, 0, sizeof(cb));
	cb.aio_lio_opcode = IOCB_CMD_PREAD;
	cb.aio_fildes = fd_for(&tg[0], W->region);
	cb.aio_buf = (uintptr_t)W->slots[0].buf;
	cb.aio_nbytes = tg[0].lbs;
	cb.aio_flags = W->ck == CK_POLLED ? IOCB_FLAG_HIPRI : 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		if (errno != EAGAIN && errno != ENOMEM)
			violation(V_SYSCALL, "fork() with requests in flight: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		int bad = 0;

		/* the parent's context is not the child's; write to the buffers (COW) */
		if (syscall(__NR_io_getevents, W->ctx, 0, 1, &ev, &ts) != -1 || errno != EINVAL)
			bad |= 1;
		if (syscall(__NR_io_submit, W->ctx, 1, cbs) != -1 || errno != EINVAL)
			bad |= 2;
		if (syscall(__NR_io_destroy, W->ctx) != -1 || errno != EINVAL)
			bad |= 4;
		for (i = 0; i < W->nslots; i++)
			((volatile u8 *)W->slots[i].buf)[i * 64] ^= 0x5a;
		_exit(bad ? 10 + bad : 0);
	}
	ADD(shm->c.forks, 1);
	deadline = now_ns() + (s64)opt.watchdog * NSEC;
	act("%s: waiting for a forked child (pid %d)", g_who, pid);
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 || (w < 0 && errno == EINTR)) {
		if (now_ns() > deadline) {
			violation(V_WATCHDOG, "forked child %d did not exit in %d s", pid, opt.watchdog);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		sleep_ns(MSEC);
	}
	act_done();
	if (WIFEXITED(status) && WEXITSTATUS(status) >= 10)
		violation(V_SYSCALL, "in a child forked with requests in flight, the parent's %s context answered%s%s%s instead of EINVAL",
			  ck_name[W->ck], (WEXITSTATUS(status) - 10) & 1 ? " io_getevents" : "",
			  (WEXITSTATUS(status) - 10) & 2 ? " io_submit" : "",
			  (WEXITSTATUS(status) - 10) & 4 ? " io_destroy" : "");
	else if (!WIFEXITED(status) && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
		violation(V_WORKER, "child forked with requests in flight died with signal %d",
			  WIFSIGNALED(status) ? WTERMSIG(status) : -1);
}

static void expect_errno(const char *what, long r, int want)
{
	if (r < 0)
		count_err(shm->c.e_call, -r);
	if (r != -want)
		violation(V_SYSCALL, "%s: %s, expected %s", what, r < 0 ? errname(-r) : "success",
			  want ? errname(want) : "0");
}

static void do_control(struct wk *W, const struct op *op)
{
	struct io_event ev[2];
	struct timespec ts = { 0, 0 };
	struct iocb cb, *cbs[1] = { &cb }, *nullcb[1] = { NULL };
	static const aio_context_t bogus[] = { 0, 1, 0xdead000, ~0UL };
	aio_context_t b = bogus[op->variant % ARRAY_SIZE(bogus)];
	long r;

	memset(&cb, 0, sizeof(cb));
	cb.aio_lio_opcode = IOCB_CMD_PREAD;
	cb.aio_fildes = fd_for(&tg[op->tgt], W->region);
	cb.aio_buf = (uintptr_t)W->slots[0].buf;
	cb.aio_nbytes = tg[op->tgt].lbs;
	cb.aio_offset = base_for(&tg[op->tgt], W->region);
	cb.aio_flags = W->ck == CK_POLLED ? IOCB_FLAG_HIPRI : 0;
	cb.aio_key = op->variant & 1 ? 0 : 12345;

	act("%s: %s", g_who, kind_name[op->kind]);
	switch (op->kind) {
	case C_CANCEL: {
		/* a request in flight (its aio_key the kernel's), or one never submitted */
		struct iocb *target = &cb;
		int i = op->variant % W->nslots;

		pthread_mutex_lock(&W->mu);
		if (W->slots[i].state == S_INFLIGHT)
			target = &W->slots[i].cb;
		pthread_mutex_unlock(&W->mu);
		r = a_cancel(W->ctx, target, ev);
		expect_errno(W->ck == CK_POLLED ? "io_cancel() on a polled context" :
			     "io_cancel() of a read or write", r, EINVAL);
		break;
	}
	case C_BADCTX:
		expect_errno("io_submit() on a context that does not exist", a_submit(b, 1, cbs), EINVAL);
		expect_errno("io_getevents() on a context that does not exist",
			     a_getevents(b, 0, 1, ev, &ts, NULL), EINVAL);
		expect_errno("io_destroy() of a context that does not exist", a_destroy(b), EINVAL);
		break;
	case C_GETEV_INVAL:
		expect_errno("io_getevents(min_nr 2 > nr 1)", a_getevents(W->ctx, 2, 1, ev, &ts, NULL), EINVAL);
		expect_errno("io_getevents(min_nr -1)", a_getevents(W->ctx, -1, 1, ev, &ts, NULL), EINVAL);
		break;
	case C_SUBMIT_INVAL:
		expect_errno("io_submit(nr -1)", a_submit(W->ctx, -1, cbs), EINVAL);
		expect_errno("io_submit(iocbpp NULL)", a_submit(W->ctx, 1, NULL), EFAULT);
		expect_errno("io_submit(iocbpp[0] NULL)", a_submit(W->ctx, 1, nullcb), EFAULT);
		expect_errno("io_submit(nr 0)", a_submit(W->ctx, 0, cbs), 0);
		break;
	case C_FORK:
		act_done();
		do_fork_check(W);
		break;
	}
	act_done();
}

static void io_worker(int wid, int inc)
{
	struct rng cfg = rng_for(3, wid, inc, 0);
	struct wk W;
	struct slot *batch[8];
	FILE *trace = NULL;
	int nb = 0, want = 1, end, ck, nreap;
	unsigned nr;
	s64 end_at;
	u64 i;

	ck = (polled_ok && !((wid + inc) & 1)) ? CK_POLLED : CK_CLASSIC;
	nreap = 1 + below(&cfg, 2);
	end_at = now_ns() + between(&cfg, 5, 40) * NSEC;
	{
		u32 q = below(&cfg, 100);

		end = q < 70 ? END_DRAIN : q < 80 ? END_DESTROY : q < 90 ? END_EXIT : END_EXEC;
	}
	nr = ck == CK_POLLED ? (u32[]){ 4, 8, 32, 32 }[below(&cfg, 4)] :
			       (u32[]){ 4, 32, 128, 128 }[below(&cfg, 4)];
	if (wk_init(&W, wid, inc, ck, 2 * wid + (inc & 1), NSLOTS, NLARGE, true)) {
		violation(V_SETUP, "io worker: out of memory");
		_exit(2);
	}
	if (opt.verbose)
		note("%s: %s context (nr_events %u), %d reaper%s, ends by %s", g_who, ck_name[ck],
		     nr, nreap, nreap > 1 ? "s" : "", end_name[end]);
	fi_thread_init();
	if (!make_ctx(&W, nr, inc)) {
		sleep_ns(NSEC);		/* no storm of restarts */
		_exit(0);
	}
	if (start_reapers(&W, nreap)) {
		violation(V_SETUP, "pthread_create: %s", strerror(errno));
		_exit(2);
	}

	if (opt.trace) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%.4000s/io%d.%d", opt.trace, wid, inc);
		trace = fopen(path, "we");
	}
	for (i = 0; !shm->stop && now_ns() < end_at; i++) {
		struct op op;
		struct slot *s;

		gen_op(wid, inc, ck, i, &op);
		if (trace) {
			char d[256];

			fmt_op(&op, ck, 2 * wid + (inc & 1), d, sizeof(d));
			fprintf(trace, "%s\n", d);
		}
		if (is_ctl(op.kind)) {
			if (nb) {
				submit(&W, batch, nb, &shm->stop);
				nb = 0;
			}
			do_control(&W, &op);
			continue;
		}
		if (!is_valid(op.kind) && nb) {
			submit(&W, batch, nb, &shm->stop);
			nb = 0;
		}
		s = claim(&W, &op, false, NULL);
		if (!s) {
			if (nb) {
				submit(&W, batch, nb, &shm->stop);
				nb = 0;
			}
			s = claim(&W, &op, true, &shm->stop);
			if (!s)
				break;
		}
		expect_for(&op, ck, &s->ex);
		prep(&W, s);
		if (!is_valid(op.kind)) {
			submit(&W, &s, 1, &shm->stop);
			continue;
		}
		if (!nb)
			want = op.batch;
		batch[nb++] = s;
		if (nb >= want) {
			submit(&W, batch, nb, &shm->stop);
			nb = 0;
		}
	}
	if (nb)
		submit(&W, batch, nb, &shm->stop);
	if (trace)
		fclose(trace);

	if (shm->stop)
		end = END_DRAIN;
	switch (end) {
	case END_DRAIN: {
		/* events missing after the watchdog: reported; do not wait for them */
		bool drained = drain(&W);

		join_reapers(&W, !drained);
		destroy_ctx(&W, !drained);
		break;
	}
	case END_DESTROY:
		join_reapers(&W, true);
		destroy_ctx(&W, W.inflight > 0);
		break;
	case END_EXIT:
		block_usr_signals();
		shm->p[wid].exit_mode = END_EXIT;
		ADD(shm->c.exits_in_flight, 1);
		tunreg_all(wid);
		_exit(0);
	case END_EXEC:
		shm->p[wid].exit_mode = END_EXEC;
		ADD(shm->c.execs, 1);
		tunreg_all(wid);
		exec_true();
	}
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* life: children that exec, exit, lose a thread or die with I/O       */

enum { L_EXEC, L_EXIT, L_KILL, L_KILL_WAITING, L_THREAD_EXIT, NLIFE };
static const char *const life_name[] = { "exec", "exit", "SIGKILL", "SIGKILL in io_getevents", "thread exit" };

/* submit k simple requests (reads and writes of the life region) */
static int life_submit(struct wk *W, struct rng *r, int k)
{
	int i, n = 0;

	for (i = 0; i < k && !W->quit; i++) {
		struct op op;
		struct slot *s;

		memset(&op, 0, sizeof(op));
		op.idx = rnd(r) & 0xffffffff;
		op.tgt = below(r, ntg);
		op.kind = below(r, 2) ? K_WRITE : K_READ;
		op.write = op.kind == K_WRITE;
		op.nvec = 1;
		op.len = (1 + below(r, MIN(64u << 10, tg[op.tgt].max_io) / tg[op.tgt].lbs)) * tg[op.tgt].lbs;
		op.seg[0] = op.len;
		op.off = below(r, (tg[op.tgt].rsize - op.len - tg[op.tgt].lbs) / tg[op.tgt].lbs + 1) *
			 tg[op.tgt].lbs;
		/* no waiting: a child may have no reaper */
		s = claim(W, &op, false, NULL);
		if (!s)
			continue;
		expect_for(&op, W->ck, &s->ex);
		prep(W, s);
		submit(W, &s, 1, NULL);
		n++;
	}
	return n;
}

struct targ { struct wk *W; struct rng r; int k; };

static void *life_thread(void *arg)
{
	struct targ *a = arg;

	treg(1);
	fi_thread_init();
	life_submit(a->W, &a->r, a->k);
	act_done();
	return NULL;		/* the thread exits with its requests in flight */
}

static void life_child(int sc, int it)
{
	struct rng r = rng_for(4, it, sc, 1);
	struct io_event ev[NEV];
	struct wk W;
	int ck = (polled_ok && (it & 1)) ? CK_POLLED : CK_CLASSIC;
	int k = 1 + below(&r, 16), got;
	s64 deadline;

	g_wid = W_LIFECHILD;
	snprintf(g_who, sizeof(g_who), "life.%d(%s)", it, life_name[sc]);
	treg(0);
	if (wk_init(&W, W_LIFECHILD, it, ck, 2 * opt.workers, 16, 0, false))
		_exit(2);
	fi_thread_init();
	if (!make_ctx(&W, 16, it))
		_exit(0);
	switch (sc) {
	case L_EXEC:
		life_submit(&W, &r, k);
		ADD(shm->c.execs, 1);
		tunreg_all(W_LIFECHILD);
		exec_true();
		break;
	case L_EXIT:
		life_submit(&W, &r, k);
		ADD(shm->c.exits_in_flight, 1);
		tunreg_all(W_LIFECHILD);
		_exit(0);
	case L_KILL:
		start_reapers(&W, 1);
		deadline = now_ns() + 10 * NSEC;
		while (now_ns() < deadline)
			life_submit(&W, &r, 4);
		join_reapers(&W, false);
		_exit(0);
	case L_KILL_WAITING:
		life_submit(&W, &r, k);
		for (;;) {
			act("%s: io_getevents(no timeout) on a %s context", g_who, ck_name[ck]);
			got = a_getevents(W.ctx, W.inflight ? W.inflight : 1, NEV, ev, NULL, NULL);
			act_done();
			if (got > 0) {
				for (int i = 0; i < got; i++)
					handle_event(&W, &ev[i]);
			} else if (got < 0 && got != -EINTR) {
				violation(V_SYSCALL, "io_getevents: %s", errname(-got));
				_exit(1);
			}
			if (!W.inflight)
				life_submit(&W, &r, k);
		}
		break;
	case L_THREAD_EXIT: {
		struct targ a = { &W, r, k };
		pthread_t t;

		if (pthread_create(&t, NULL, life_thread, &a))
			_exit(0);
		pthread_join(t, NULL);
		ADD(shm->c.thread_exits, 1);
		/* the context is the process's: every event still comes */
		start_reapers(&W, 1);
		if (!drain(&W))
			_exit(1);
		join_reapers(&W, false);
		destroy_ctx(&W, false);
		_exit(0);
	}
	}
	_exit(0);
}

static void retire(int rec)
{
	int ck, k;

	for (ck = 0; ck < 2; ck++)
		for (k = 0; k < NKIND; k++) {
			u64 s = shm->p[rec].rsub[ck][k], e = shm->p[rec].rev[ck][k];

			if (s > e)
				ADD(shm->c.disc[ck][k], s - e);
			shm->p[rec].rsub[ck][k] = shm->p[rec].rev[ck][k] = 0;
		}
	shm->p[rec].alive = 0;
	shm->p[rec].pid = 0;
	tunreg_all(rec);
}

static void life_worker(void)
{
	struct rng r = rng_for(5, 0, 0, 0);
	int it;

	treg(0);
	for (it = 0; !shm->stop; it++) {
		int sc = below(&r, NLIFE), status = 0;
		s64 deadline;
		pid_t pid, w;

		memset(&shm->p[W_LIFECHILD], 0, sizeof(shm->p[W_LIFECHILD]));
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			sleep_ns(10 * MSEC);
			continue;
		}
		if (pid == 0)
			life_child(sc, it);
		shm->p[W_LIFECHILD].pid = pid;
		shm->p[W_LIFECHILD].alive = 1;
		if (sc == L_KILL || sc == L_KILL_WAITING) {
			sleep_ns(between(&r, 0, 40) * MSEC);
			kill(pid, SIGKILL);
			ADD(shm->c.life_kills, 1);
		}
		deadline = now_ns() + (s64)(opt.watchdog + 15) * NSEC;
		act("life: waiting for child %d (%s)", pid, life_name[sc]);
		while ((w = waitpid(pid, &status, WNOHANG)) == 0 || (w < 0 && errno == EINTR)) {
			if (now_ns() > deadline) {
				violation(V_WATCHDOG, "life child %d (%s) did not finish in %d s",
					  pid, life_name[sc], opt.watchdog + 15);
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				break;
			}
			sleep_ns(MSEC);
		}
		act_done();
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
		    (sc == L_KILL || sc == L_KILL_WAITING))
			;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
			;	/* it reported its violation */
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
			violation(V_SYSCALL, "life child (%s): execve(/bin/true) failed", life_name[sc]);
		else
			violation(V_WORKER, "life child (%s) ended with %s %d", life_name[sc],
				  WIFSIGNALED(status) ? "signal" : "exit status",
				  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		retire(W_LIFECHILD);
	}
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* race: io_destroy() racing io_submit() and io_getevents()           */

struct race_arg { struct wk *W; struct rng r; };

static void *race_submitter(void *arg)
{
	struct race_arg *a = arg;
	struct wk *W = a->W;

	treg(3);
	fi_thread_init();
	while (!W->quit) {
		struct op op;
		struct slot *s;

		memset(&op, 0, sizeof(op));
		op.idx = rnd(&a->r) & 0xffffffff;
		op.tgt = below(&a->r, ntg);
		op.kind = below(&a->r, 4) ? K_READ : K_WRITE;
		op.write = op.kind == K_WRITE;
		op.nvec = 1;
		op.len = (1 + below(&a->r, MIN(64u << 10, tg[op.tgt].max_io) / tg[op.tgt].lbs)) * tg[op.tgt].lbs;
		op.seg[0] = op.len;
		op.off = below(&a->r, (tg[op.tgt].rsize - op.len - tg[op.tgt].lbs) / tg[op.tgt].lbs + 1) *
			 tg[op.tgt].lbs;
		s = claim(W, &op, true, &W->quit);
		if (!s)
			break;
		expect_for(&op, W->ck, &s->ex);
		prep(W, s);
		if (submit(W, &s, 1, &W->quit) == SB_DEAD)
			break;
	}
	act_done();
	return NULL;
}

static void race_worker(void)
{
	int it;

	g_inc = 0;
	treg(0);
	for (it = 0; !shm->stop; it++) {
		struct race_arg a = { NULL, rng_for(6, it, 0, 0) };
		int ck = (polled_ok && (it & 1)) ? CK_POLLED : CK_CLASSIC;
		struct wk W;
		pthread_t st;
		long r;

		if (wk_init(&W, W_RACE, it, ck, 2 * opt.workers + 1, 16, 0, false))
			_exit(2);
		if (!make_ctx(&W, 16, it)) {
			wk_free(&W);
			sleep_ns(100 * MSEC);
			continue;
		}
		a.W = &W;
		if (start_reapers(&W, 1) || pthread_create(&st, NULL, race_submitter, &a)) {
			violation(V_SETUP, "race: pthread_create: %s", strerror(errno));
			_exit(2);
		}
		sleep_ns(between(&a.r, 0, 30) * MSEC);
		W.destroying = 1;
		act("race: io_destroy() of a %s context racing io_submit() and io_getevents()",
		    ck_name[ck]);
		r = a_destroy(W.ctx);
		act_done();
		if (r) {
			count_err(shm->c.e_destroy, -r);
			violation(V_SYSCALL, "race: io_destroy() of a %s context: %s", ck_name[ck], errname(-r));
		} else {
			ADD(shm->c.ctx_destroyed[ck], 1);
			ADD(shm->c.races, 1);
		}
		/* what was in flight is gone with the context (io_destroy waited for it) */
		pthread_mutex_lock(&W.mu);
		W.quit = 1;
		pthread_cond_broadcast(&W.cv);
		pthread_mutex_unlock(&W.mu);
		act("race: joining the submitter and the reaper");
		pthread_join(st, NULL);
		join_reapers(&W, true);
		act_done();
		/* after io_destroy() returned, the context is gone for everyone */
		{
			struct io_event ev[1];
			struct timespec ts = { 0, 0 };

			expect_errno("race: io_getevents() after io_destroy()",
				     a_getevents(W.ctx, 0, 1, ev, &ts, NULL), EINVAL);
		}
		wk_free(&W);
	}
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* churn: contexts made and destroyed continuously                    */

static void churn_worker(void)
{
	struct rng r = rng_for(7, 0, 0, 0);
	static const unsigned sizes[] = { 1, 2, 7, 32, 128, 1024, 4096 };
	u8 *buf = mmap(NULL, 4 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int region = 2 * opt.workers + 2;
	u64 it;

	treg(0);
	fi_thread_init();
	if (buf == MAP_FAILED)
		_exit(2);
	for (it = 0; !shm->stop; it++) {
		u32 a = below(&r, 10);
		aio_context_t ctx = 0, many[16];
		int ck = (polled_ok && below(&r, 2)) ? CK_POLLED : CK_CLASSIC;
		long ret;

		if (a < 5) {
			struct iocb cbs[4], *cp[4];
			const struct target *ct[4];
			struct io_event ev[4];
			int n = below(&r, 5), i, got = 0;
			bool inflight = below(&r, 2);

			act("churn: a %s context", ck_name[ck]);
			ret = ctx_create(ck, sizes[below(&r, ARRAY_SIZE(sizes))], &ctx, it);
			act_done();
			if (ret) {
				if (ret != -EAGAIN && !(ret == -ENOMEM && faults_alloc))
					violation(V_SYSCALL, "churn: creating a %s context: %s", ck_name[ck],
						  errname(-ret));
				sleep_ns(MSEC);
				continue;
			}
			for (i = 0; i < n; i++) {
				const struct target *t = &tg[below(&r, ntg)];

				ct[i] = t;
				memset(&cbs[i], 0, sizeof(cbs[i]));
				cbs[i].aio_lio_opcode = IOCB_CMD_PREAD;
				cbs[i].aio_fildes = fd_for(t, region);
				cbs[i].aio_buf = (uintptr_t)(buf + (i << 16));
				cbs[i].aio_nbytes = t->lbs * (1 + below(&r, (64u << 10) / t->lbs));
				/*
				 * Inside the region: a read past the end of a
				 * region's file is rightly short.
				 */
				cbs[i].aio_offset = base_for(t, region) +
						    below(&r, (t->rsize - cbs[i].aio_nbytes) / t->lbs + 1) * t->lbs;
				cbs[i].aio_flags = ck == CK_POLLED ? IOCB_FLAG_HIPRI : 0;
				cbs[i].aio_data = 0xc0de0000 + i;
				cp[i] = &cbs[i];
			}
			act("churn: io_submit(%d) to a %s context", n, ck_name[ck]);
			ret = n ? a_submit(ctx, n, cp) : 0;
			act_done();
			if (ret < 0) {
				count_err(shm->c.e_submit, -ret);
				if (ret != -EAGAIN && !((faults_alloc || faults_io) && (ret == -ENOMEM || ret == -EIO)))
					violation(V_SUBMIT, "churn: io_submit(%d reads) to a %s context: %s", n,
						  ck_name[ck], errname(-ret));
				ret = 0;
			}
			for (i = 0; i < ret; i++) {
				ADD(shm->c.sub[ck][K_READ], 1);
				ADD(shm->p[W_CHURN].rsub[ck][K_READ], 1);
			}
			if (!inflight) {
				s64 deadline = now_ns() + (s64)opt.watchdog * NSEC;

				while (got < ret && now_ns() < deadline) {
					struct timespec ts = { 0, 100 * MSEC };
					long m;

					act("churn: reaping %ld of %ld", ret - got, ret);
					m = a_getevents(ctx, 1, ret - got, ev + got, &ts, NULL);
					act_done();
					if (m < 0 && m != -EINTR && !((m == -ENOMEM || m == -EAGAIN) && faults_alloc)) {
						violation(V_SYSCALL, "churn: io_getevents: %s", errname(-m));
						break;
					}
					for (i = got; m > 0 && i < got + m; i++) {
						u32 j = ev[i].data - 0xc0de0000;

						ADD(shm->p[W_CHURN].rev[ck][K_READ], 1);
						if (j >= (u32)ret || ev[i].obj != (uintptr_t)&cbs[j])
							violation(V_EVENT, "churn: event data %#llx obj %#llx matches no iocb",
								  (unsigned long long)ev[i].data,
								  (unsigned long long)ev[i].obj);
						else if (ev[i].res != (s64)cbs[j].aio_nbytes &&
							 !(ev[i].res < 0 && (faults_io || faults_alloc || ev[i].res == -EINTR)))
							violation(V_RESULT, "churn: read of %llu bytes at %llu of %s in a %s context: result %lld",
								  (unsigned long long)cbs[j].aio_nbytes,
								  (unsigned long long)cbs[j].aio_offset,
								  ct[j]->env, ck_name[ck],
								  (long long)ev[i].res);
						if (ev[i].res < 0) {
							count_err(shm->c.e_event, -ev[i].res);
							ADD(shm->c.err[ck][K_READ], 1);
						} else {
							ADD(shm->c.ok[ck][K_READ], 1);
						}
					}
					if (m > 0)
						got += m;
				}
				if (got < ret)
					violation(V_EVENT, "churn: %ld of %ld reads gave no event in %d s",
						  ret - got, ret, opt.watchdog);
			}
			act("churn: io_destroy() of a %s context, %ld in flight", ck_name[ck], ret - got);
			ret = ret - got;
			expect_errno("churn: io_destroy()", a_destroy(ctx), 0);
			act_done();
			ADD(shm->c.ctx_destroyed[ck], 1);
			if (ret)
				ADD(shm->c.destroy_in_flight, 1);
			/* the context is gone: no other thread maps anything meanwhile */
			{
				struct timespec ts = { 0, 0 };

				expect_errno("churn: io_destroy() twice", a_destroy(ctx), EINVAL);
				expect_errno("churn: io_getevents() after io_destroy()",
					     a_getevents(ctx, 0, 1, ev, &ts, NULL), EINVAL);
			}
		} else if (a < 7 && opt.invalid) {
			aio_context_t c = 0, *bad = (aio_context_t *)8;
			int e;

			act("churn: io_setup()/io_setup2() argument errors");
			if (has_setup2) {
				expect_errno("io_setup2(IOCTX_FLAG_USERIOCB)",
					     a_setup2(8, IOCTX_FLAG_USERIOCB, NULL, NULL, NULL, &c), EINVAL);
				expect_errno("io_setup2(unknown flag)",
					     a_setup2(8, 1u << (2 + below(&r, 30)), NULL, NULL, NULL, &c), EINVAL);
				expect_errno("io_setup2(iocbs not NULL)",
					     a_setup2(8, IOCTX_FLAG_IOPOLL, buf, NULL, NULL, &c), EINVAL);
				expect_errno("io_setup2(user1 not NULL)",
					     a_setup2(8, 0, NULL, buf, NULL, &c), EINVAL);
				expect_errno("io_setup2(user2 not NULL)",
					     a_setup2(8, IOCTX_FLAG_IOPOLL, NULL, NULL, buf, &c), EINVAL);
				expect_errno("io_setup2(nr_events 0)",
					     a_setup2(0, IOCTX_FLAG_IOPOLL, NULL, NULL, NULL, &c), EINVAL);
				expect_errno("io_setup2(ctxp NULL)",
					     a_setup2(8, IOCTX_FLAG_IOPOLL, NULL, NULL, NULL, NULL), EFAULT);
				expect_errno("io_setup2(ctxp unmapped)",
					     a_setup2(8, 0, NULL, NULL, NULL, bad), EFAULT);
				c = 0x1234;
				expect_errno("io_setup2(*ctxp not 0)",
					     a_setup2(8, IOCTX_FLAG_IOPOLL, NULL, NULL, NULL, &c), EINVAL);
				ADD(shm->c.setup_invalid, 9);
			}
			c = 0;
			expect_errno("io_setup(0)", a_setup(0, &c), EINVAL);
			c = 0x1234;
			expect_errno("io_setup(*ctxp not 0)", a_setup(8, &c), EINVAL);
			e = a_setup(8, bad);
			expect_errno("io_setup(ctxp unmapped)", e, EFAULT);
			ADD(shm->c.setup_invalid, 3);
			act_done();
		} else {
			int n = 2 + below(&r, 15), i, m = 0;

			act("churn: %d contexts", n);
			for (i = 0; i < n; i++) {
				int k = (polled_ok && below(&r, 2)) ? CK_POLLED : CK_CLASSIC;

				many[m] = 0;
				ret = ctx_create(k, sizes[below(&r, 4)], &many[m], i);
				if (!ret)
					m++;
				else if (ret != -EAGAIN && !(ret == -ENOMEM && faults_alloc))
					violation(V_SYSCALL, "churn: creating context %d of %d: %s", i, n,
						  errname(-ret));
			}
			while (m > 0) {
				i = below(&r, m);
				expect_errno("churn: io_destroy()", a_destroy(many[i]), 0);
				ADD(shm->c.ctx_destroyed[CK_CLASSIC], 1);	/* kind not tracked here */
				many[i] = many[--m];
			}
			act_done();
		}
		sleep_ns(between(&r, 0, 2) * MSEC);
	}
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* limit: fs.aio-max-nr reached                                       */

static void limit_worker(void)
{
	struct rng r = rng_for(8, 0, 0, 0);
	bool told = false;

	treg(0);
	while (!shm->stop) {
		long max = read_long("/proc/sys/fs/aio-max-nr", -1);
		long nr = read_long("/proc/sys/fs/aio-nr", -1), free_nr = max - nr;
		aio_context_t held[12];
		int n = 0, i, tries;
		bool reached = false;

		nap_ms(between(&r, 2000, 5000));
		if (shm->stop)
			break;
		if (max < 0 || nr < 0) {
			if (!told)
				note("limit: cannot read fs.aio-max-nr or fs.aio-nr: not filled");
			told = true;
			continue;
		}
		if (free_nr > (1L << 20)) {
			if (!told)
				note("limit: fs.aio-max-nr %ld is more than 1M above fs.aio-nr: not filled", max);
			told = true;
			continue;
		}
		ADD(shm->c.maxnr_rounds, 1);
		act("limit: filling fs.aio-max-nr (%ld free of %ld)", free_nr, max);
		/* one big context for most of what is free, then small ones */
		for (tries = 0; tries < 10 && n < 11 && free_nr > 16; tries++) {
			long want = n == 0 ? free_nr - 8 : free_nr / 2;
			long ret;

			if (want < 1)
				want = 1;
			held[n] = 0;
			ret = a_setup(want, &held[n]);
			if (!ret) {
				n++;
				ADD(shm->c.ctx_made[CK_CLASSIC], 1);
			} else if (ret != -EAGAIN && !(ret == -ENOMEM && faults_alloc)) {
				violation(V_SYSCALL, "limit: io_setup(%ld) with %ld free: %s", want, free_nr,
					  errname(-ret));
				break;
			} else {
				count_err(shm->c.e_setup, -ret);
			}
			free_nr = read_long("/proc/sys/fs/aio-max-nr", 0) - read_long("/proc/sys/fs/aio-nr", 0);
		}
		for (tries = 0; tries < 20 && n < 12; tries++) {
			long ret, cur, lim;

			held[n] = 0;
			ret = has_setup2 && (tries & 1) ? a_setup2(8, polled_ok ? IOCTX_FLAG_IOPOLL : 0,
							     NULL, NULL, NULL, &held[n]) :
							  a_setup(8, &held[n]);
			cur = read_long("/proc/sys/fs/aio-nr", 0);
			lim = read_long("/proc/sys/fs/aio-max-nr", 0);
			if (cur > lim)
				violation(V_SYSCALL, "limit: fs.aio-nr %ld is above fs.aio-max-nr %ld", cur, lim);
			if (ret == -EAGAIN) {
				reached = true;
				count_err(shm->c.e_setup, EAGAIN);
				break;
			}
			if (!ret) {
				n++;	/* someone freed some: take it too */
				ADD(shm->c.ctx_made[CK_CLASSIC], 1);
				continue;
			}
			if (!(ret == -ENOMEM && faults_alloc))
				violation(V_SYSCALL, "limit: io_setup(8) near fs.aio-max-nr: %s", errname(-ret));
			break;
		}
		if (reached)
			ADD(shm->c.maxnr_reached, 1);
		nap_ms(between(&r, 50, 500));
		for (i = 0; i < n; i++) {
			expect_errno("limit: io_destroy()", a_destroy(held[i]), 0);
			ADD(shm->c.ctx_destroyed[CK_CLASSIC], 1);
		}
		act_done();
	}
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* fault injection (controller)                                       */

struct fault {
	bool requested, available, active;
	char note[200];
	char dir[PATH_MAX];	/* attribute directory (debugfs or configfs) */
	long times0;
	long injected;
	int pct;
};

static struct fault flt[NFAULT];

/* settings to put back, last first */
static struct restore { char path[PATH_MAX]; char val[64]; } *rest;
static int nrest;

static int set_attr(const char *path, const char *val)
{
	char old[64];
	int i;

	for (i = 0; i < nrest; i++)
		if (!strcmp(rest[i].path, path))
			break;
	if (i == nrest && !read_str(path, old, sizeof(old))) {
		struct restore *n = realloc(rest, (nrest + 1) * sizeof(*rest));

		if (n) {
			rest = n;
			snprintf(rest[nrest].path, sizeof(rest[nrest].path), "%s", path);
			snprintf(rest[nrest].val, sizeof(rest[nrest].val), "%s", old);
			nrest++;
		}
	}
	return write_str(path, val);
}

static void restore_attrs(void)
{
	while (nrest > 0) {
		nrest--;
		write_str(rest[nrest].path, rest[nrest].val);
	}
}

static int set_fmt(const char *dir, const char *attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_fmt(const char *dir, const char *attr, const char *fmt, ...)
{
	char path[PATH_MAX + 64], val[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	return set_attr(path, val);
}

#define TIMES0	1000000000L

/* the common attributes of a fault_attr directory, probability 0 for now */
static int fault_attr_setup(struct fault *f, bool task_filter)
{
	if (set_fmt(f->dir, "probability", "0") || set_fmt(f->dir, "interval", "1") ||
	    set_fmt(f->dir, "times", "%ld", TIMES0) || set_fmt(f->dir, "space", "0") ||
	    set_fmt(f->dir, "verbose", "0") ||
	    set_fmt(f->dir, "task-filter", task_filter ? "Y" : "N")) {
		snprintf(f->note, sizeof(f->note), "%.120s: cannot configure: %s", f->dir, strerror(errno));
		return -1;
	}
	f->times0 = TIMES0;
	return 0;
}

static struct nullb_fault {
	char name[32], cfg[PATH_MAX];
	bool made, powered;
} nbf;

static int nullb_fault_make(char *err, size_t len)
{
	static const char *const attrs[][2] = {
		{ "size", "64" }, { "blocksize", "4096" }, { "memory_backed", "1" },
		{ "submit_queues", "1" }, { "poll_queues", "1" }, { "hw_queue_depth", "32" },
		{ "badblocks_once", "1" },	/* optional: 6.12 has no such attribute */
	};
	char path[PATH_MAX + 64];
	unsigned i;
	int w;

	if (access("/sys/kernel/config/nullb", W_OK)) {
		snprintf(err, len, "no /sys/kernel/config/nullb (configfs and null_blk: CONFIG_CONFIGFS_FS, CONFIG_BLK_DEV_NULL_BLK)");
		return -1;
	}
	snprintf(nbf.name, sizeof(nbf.name), "aiostress%d", getpid());
	snprintf(nbf.cfg, sizeof(nbf.cfg), "/sys/kernel/config/nullb/%s", nbf.name);
	if (mkdir(nbf.cfg, 0755)) {
		snprintf(err, len, "mkdir %s: %s", nbf.cfg, strerror(errno));
		return -1;
	}
	nbf.made = true;
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), "%s/%s", nbf.cfg, attrs[i][0]);
		if (!strcmp(attrs[i][0], "badblocks_once") && access(path, F_OK))
			continue;
		if (write_str(path, attrs[i][1])) {
			snprintf(err, len, "%s = %s: %s", path, attrs[i][1], strerror(errno));
			return -1;
		}
	}
	snprintf(path, sizeof(path), "%s/power", nbf.cfg);
	if (write_str(path, "1")) {
		snprintf(err, len, "%s = 1: %s", path, strerror(errno));
		return -1;
	}
	nbf.powered = true;
	snprintf(path, sizeof(path), "/dev/%s", nbf.name);
	for (w = 0; w < 200 && access(path, F_OK); w++)
		sleep_ns(10 * MSEC);
	if (access(path, F_OK)) {
		snprintf(err, len, "%s did not appear", path);
		return -1;
	}
	return 0;
}

static void nullb_fault_remove(void)
{
	char path[PATH_MAX + 64];

	if (nbf.powered) {
		snprintf(path, sizeof(path), "%s/power", nbf.cfg);
		write_str(path, "0");
	}
	if (nbf.made && rmdir(nbf.cfg))
		note("could not remove %s: %s", nbf.cfg, strerror(errno));
	nbf.made = nbf.powered = false;
}

static void faults_setup(void)
{
	static const int dflt_pct[NFAULT] = { 1, 1, 1, 1, 2, 5, 0 };
	bool mif = !access("/proc/self/make-it-fail", W_OK);
	int i, k;

	for (k = 0; k < NFAULT; k++) {
		flt[k].requested = opt.fault_mask >> k & 1;
		flt[k].pct = opt.fault_pct >= 0 ? opt.fault_pct : dflt_pct[k];
	}
	/* null_blk's own: a device of our own, also a target */
	if (opt.fault_mask & (7u << F_NB_TIMEOUT)) {
		char err[PATH_MAX + 128] = "";

		if (nullb_fault_make(err, sizeof(err))) {
			for (k = F_NB_TIMEOUT; k <= F_NB_BADBLOCKS; k++)
				snprintf(flt[k].note, sizeof(flt[k].note), "%.190s", err);
			nullb_fault_remove();
		} else if (ntg < MAXTGT) {
			struct target *t = &tg[ntg];
			char path[PATH_MAX + 64];

			memset(t, 0, sizeof(*t));
			snprintf(t->env, sizeof(t->env), "nullb_fault");
			snprintf(t->path, sizeof(t->path), "/dev/%s", nbf.name);
			t->made = true;
			if (target_open(t, err, sizeof(err))) {
				for (k = F_NB_TIMEOUT; k <= F_NB_BADBLOCKS; k++)
					snprintf(flt[k].note, sizeof(flt[k].note), "%.190s", err);
			} else {
				ntg++;
				snprintf(path, sizeof(path), "/sys/block/%s/queue/io_timeout", t->dev);
				set_attr(path, "5000");
				for (k = F_NB_TIMEOUT; k <= F_NB_REQUEUE; k++) {
					struct fault *f = &flt[k];

					snprintf(f->dir, sizeof(f->dir), "%.4000s/%s", nbf.cfg,
						 k == F_NB_TIMEOUT ? "timeout_inject" : "requeue_inject");
					if (access(f->dir, W_OK)) {
						snprintf(f->note, sizeof(f->note),
							 "no %s/%s (CONFIG_BLK_DEV_NULL_BLK_FAULT_INJECTION, CONFIG_FAULT_INJECTION_CONFIGFS)",
							 nbf.name, k == F_NB_TIMEOUT ? "timeout_inject" : "requeue_inject");
						continue;
					}
					if (fault_attr_setup(f, false))
						continue;
					f->available = true;
					snprintf(f->note, sizeof(f->note), "on %s%s", nbf.name,
						 k == F_NB_TIMEOUT ? " (requests on its poll queue ignore it)" : "");
				}
				snprintf(flt[F_NB_BADBLOCKS].dir, sizeof(flt[F_NB_BADBLOCKS].dir), "%.4000s/badblocks",
					 nbf.cfg);
				flt[F_NB_BADBLOCKS].available = !access(flt[F_NB_BADBLOCKS].dir, W_OK);
				snprintf(flt[F_NB_BADBLOCKS].note, sizeof(flt[F_NB_BADBLOCKS].note),
					 flt[F_NB_BADBLOCKS].available ? "on %s: a bad range per fault window (injected counts ranges; the I/O errors are in the target's events_error)" :
					 "no badblocks attribute on %s", nbf.name);
			}
		}
	}
	for (k = F_FAILSLAB; k <= F_IOTIMEOUT; k++) {
		struct fault *f = &flt[k];

		if (!f->requested)
			continue;
		snprintf(f->dir, sizeof(f->dir), "/sys/kernel/debug/%s", fault_name[k]);
		if (access(f->dir, W_OK)) {
			snprintf(f->note, sizeof(f->note),
				 "no %s (CONFIG_%s, CONFIG_FAULT_INJECTION_DEBUG_FS, debugfs mounted)", f->dir,
				 (const char *[]){ "FAILSLAB", "FAIL_PAGE_ALLOC", "FAIL_MAKE_REQUEST",
						   "FAIL_IO_TIMEOUT" }[k]);
			continue;
		}
		if ((k == F_FAILSLAB || k == F_PAGEALLOC) && !mif) {
			snprintf(f->note, sizeof(f->note), "no /proc/self/make-it-fail (CONFIG_FAULT_INJECTION)");
			continue;
		}
		if (fault_attr_setup(f, k == F_FAILSLAB || k == F_PAGEALLOC))
			continue;
		if (k == F_FAILSLAB) {
			/* all allocations, not only atomic ones; every cache */
			if (set_fmt(f->dir, "ignore-gfp-wait", "N") || set_fmt(f->dir, "cache-filter", "N"))
				continue;
			snprintf(f->note, sizeof(f->note), "task-filter: inside the workload's aio system calls");
		} else if (k == F_PAGEALLOC) {
			if (set_fmt(f->dir, "ignore-gfp-wait", "N") ||
			    set_fmt(f->dir, "ignore-gfp-highmem", "Y") || set_fmt(f->dir, "min-order", "0"))
				continue;
			snprintf(f->note, sizeof(f->note), "task-filter: inside the workload's aio system calls");
		} else {
			char devs[160] = "";
			size_t n = 0;

			for (i = 0; i < ntg; i++) {
				struct target *t = &tg[i];
				char path[PATH_MAX];

				if (!t->is_bdev || !(k == F_MKREQ ? t->mkreq : t->iotimeout))
					continue;
				snprintf(path, sizeof(path), "/sys/block/%s/%s", t->dev,
					 k == F_MKREQ ? "make-it-fail" : "io-timeout-fail");
				if (set_attr(path, "1"))
					continue;
				if (k == F_IOTIMEOUT) {
					/* a faked timeout ends after io_timeout: 5 s, not 30 */
					snprintf(path, sizeof(path), "/sys/block/%s/queue/io_timeout", t->dev);
					set_attr(path, "5000");
				}
				n += snprintf(devs + n, sizeof(devs) - n, "%s%s", n ? " " : "", t->dev);
				if (n >= sizeof(devs))
					n = sizeof(devs) - 1;
			}
			snprintf(f->note, sizeof(f->note), "%s: %s%s", k == F_MKREQ ? "make-it-fail" : "io-timeout-fail",
				 n ? devs : "no eligible device",
				 k == F_MKREQ ? " (raw devices only: never under XFS or ext4)" :
				 " (null_blk only: NVMe's timeout handler resets the controller; polled requests on null_blk's poll queues ignore it)");
			if (!n)
				continue;
		}
		f->available = true;
	}

	for (k = 0; k < NFAULT; k++) {
		if (flt[k].requested && !flt[k].available)
			violation(V_FAULT, "fault injection %s was requested but is not available: %s",
				  fault_name[k], flt[k].note);
		if (flt[k].available && k != F_NB_BADBLOCKS) {
			if (k == F_FAILSLAB || k == F_PAGEALLOC)
				faults_alloc = true;
			else
				faults_io = true;
		}
	}
	if (flt[F_NB_BADBLOCKS].available)
		faults_io = true;
}

static void faults_toggle(bool on, struct rng *r)
{
	int k;

	for (k = 0; k < NFAULT; k++) {
		struct fault *f = &flt[k];

		if (!f->available || k == F_NB_BADBLOCKS)
			continue;
		set_fmt(f->dir, "probability", "%d", on ? f->pct : 0);
		f->active = on;
	}
	if (flt[F_NB_BADBLOCKS].available) {
		/*
		 * A bad range somewhere in the device (64 MiB = 131072
		 * sectors) while the window is open, cleared when it closes
		 * (with badblocks_once it also heals after its first error).
		 */
		static char range[64];
		char val[80];

		if (on) {
			u64 start = below(r, 131072 - 64) & ~7ULL;

			snprintf(range, sizeof(range), "%" PRIu64 "-%" PRIu64, start,
				 start + 8 * (1 + below(r, 4)) - 1);
			snprintf(val, sizeof(val), "+%s", range);
			if (!write_str(flt[F_NB_BADBLOCKS].dir, val))
				flt[F_NB_BADBLOCKS].injected++;
		} else if (range[0]) {
			snprintf(val, sizeof(val), "-%s", range);
			write_str(flt[F_NB_BADBLOCKS].dir, val);
			range[0] = '\0';
		}
	}
}

static void faults_teardown(void)
{
	int k;

	for (k = 0; k < NFAULT; k++) {
		struct fault *f = &flt[k];
		char path[PATH_MAX + 16];
		long left;

		if (!f->available || k == F_NB_BADBLOCKS)
			continue;
		set_fmt(f->dir, "probability", "0");
		snprintf(path, sizeof(path), "%s/times", f->dir);
		left = read_long(path, -2);
		if (left >= 0)
			f->injected = f->times0 - left;
	}
	restore_attrs();
}

/* ------------------------------------------------------------------ */
/* controller                                                         */

static volatile sig_atomic_t interrupted;

static void on_int(int sig)
{
	(void)sig;
	interrupted = 1;
}

enum { R_IO, R_LIFE, R_RACE, R_CHURN, R_LIMIT };

static int role_of(int wid)
{
	if (wid < opt.workers)
		return R_IO;
	if (wid == W_LIFE)
		return R_LIFE;
	if (wid == W_RACE)
		return R_RACE;
	if (wid == W_CHURN)
		return R_CHURN;
	return R_LIMIT;
}

static void who_for(int wid, int inc)
{
	static const char *const names[] = { "io", "life", "race", "churn", "limit" };

	if (wid == W_LIFECHILD)
		snprintf(g_who, sizeof(g_who), "life child");
	else if (role_of(wid) == R_IO)
		snprintf(g_who, sizeof(g_who), "io%d.%d", wid, inc);
	else
		snprintf(g_who, sizeof(g_who), "%s", names[role_of(wid)]);
}

static pid_t spawn(int wid, int inc)
{
	pid_t pid;

	fflush(NULL);
	memset(&shm->p[wid], 0, sizeof(shm->p[wid]));
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		g_wid = wid;
		g_inc = inc;
		who_for(wid, inc);
		worker_signals();
		shm->p[wid].pid = getpid();
		shm->p[wid].inc = inc;
		treg(0);
		switch (role_of(wid)) {
		case R_IO:
			io_worker(wid, inc);
			break;
		case R_LIFE:
			life_worker();
			break;
		case R_RACE:
			race_worker();
			break;
		case R_CHURN:
			churn_worker();
			break;
		default:
			limit_worker();
		}
		_exit(0);
	}
	shm->p[wid].pid = pid;
	shm->p[wid].inc = inc;
	shm->p[wid].alive = 1;
	shm->p[wid].started = now_ns();
	if (role_of(wid) == R_IO)
		ADD(shm->c.incarnations, 1);
	return pid;
}

static int wid_of_pid(pid_t pid)
{
	int w;

	for (w = 0; w < NW; w++)
		if (shm->p[w].alive && shm->p[w].pid == pid && w != W_LIFECHILD)
			return w;
	return -1;
}

/* a worker ended: judge how, retire it, start the next incarnation */
static void worker_ended(int w, int status, bool restart)
{
	struct prec *p = &shm->p[w];
	char who[32];

	snprintf(who, sizeof(who), "%s", g_who);
	who_for(w, p->inc);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && p->killed) {
		/* the controller's */
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		/* drained, exited or exec'd /bin/true */
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
		violation(V_SYSCALL, "execve(/bin/true) with requests in flight failed");
	} else if (WIFSIGNALED(status)) {
		violation(V_WORKER, "worker died with signal %d (%s)", WTERMSIG(status),
			  strsignal(WTERMSIG(status)));
	} else {
		violation(V_WORKER, "worker exited with status %d", WEXITSTATUS(status));
	}
	snprintf(g_who, sizeof(g_who), "%s", who);
	retire(w);
	if (restart)
		spawn(w, p->inc + 1);
}

static void reap_children(bool restart)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int w = wid_of_pid(pid);

		if (w >= 0)
			worker_ended(w, status, restart);
	}
}

static void print_stack(int pid, int tid);

/*
 * The state letter of every thread of pid; D-state ones into buf, and with
 * @stacks the kernel stack of each of them printed.
 */
static int dstate_threads(pid_t pid, char *buf, size_t len, bool stacks)
{
	char path[320], line[512], wchan[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid, de->d_name);
		if (read_str(path, line, sizeof(line)))
			continue;
		p = strrchr(line, ')');
		if (!p || p[1] != ' ' || p[2] != 'D')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", pid, de->d_name);
		if (read_str(path, wchan, sizeof(wchan)))
			snprintf(wchan, sizeof(wchan), "?");
		if (len > 1) {
			int m = snprintf(buf, len, "%s%s (wchan %s)", n ? ", " : "", de->d_name, wchan);

			if (m > 0 && (size_t)m < len) {
				buf += m;
				len -= m;
			}
		}
		if (stacks) {
			note("  thread %s:", de->d_name);
			print_stack(pid, atoi(de->d_name));
		}
		n++;
	}
	closedir(d);
	return n;
}

static s64 dstate_since[MAXW];
static u64 dstate_ops[MAXW];
/* in D state at every look since, in whatever operations; its changes */
static s64 dstate_looks_since[MAXW];
static int dstate_op_changes[MAXW];
static void print_stack(int pid, int tid);

/*
 * Which operations the threads of worker w are in: each act() stamps its
 * start, so this changes whenever one of them started another.
 */
static u64 worker_ops(int w)
{
	u64 sig = 0;
	int k;

	for (k = 0; k < TPW; k++) {
		const struct trec *t = &shm->t[w * TPW + k];

		sig = sig * 1000003 + (u64)__atomic_load_n(&t->since, __ATOMIC_ACQUIRE);
		sig = sig * 1000003 + (u64)__atomic_load_n(&t->tid, __ATOMIC_ACQUIRE);
	}
	return sig;
}

/* Prints each line of a blk-mq debugfs file that has any, under its name */
static void dump_debugfs_file(const char *path)
{
	char buf[4096], *l, *save;

	if (read_str(path, buf, sizeof(buf)) || !buf[0])
		return;
	note("  %s:", path);
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		note("    %s", l);
}

/*
 * The requests every block device holds (blk-mq debugfs: the busy and
 * dispatch lists of each hardware context and the requeue list), so that
 * a context that can't finish shows where its requests are.
 */
static void dump_blk_mq(void)
{
	const char *root = "/sys/kernel/debug/block";
	char path[PATH_MAX];
	struct dirent *de, *he;
	DIR *d, *h;

	d = opendir(root);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/requeue_list", root, de->d_name);
		dump_debugfs_file(path);
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		h = opendir(path);
		if (!h)
			continue;
		while ((he = readdir(h))) {
			if (strncmp(he->d_name, "hctx", 4))
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s/busy", root, de->d_name, he->d_name);
			dump_debugfs_file(path);
			snprintf(path, sizeof(path), "%s/%s/%s/dispatch", root, de->d_name, he->d_name);
			dump_debugfs_file(path);
		}
		closedir(h);
	}
	closedir(d);
}

/*
 * What a process stuck in D state waits for: the kernel stack of each of
 * its threads in D state here, every blocked task of the system (the
 * workers and the other processes it may wait on) in the kernel log, and
 * the requests every block device holds.
 */
static void dump_dstate(pid_t pid)
{
	char buf[512];
	int fd;

	dstate_threads(pid, buf, sizeof(buf), true);
	fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "w", 1) == 1)
			note("  blocked tasks: sysrq-w, in the kernel log");
		close(fd);
	}
	dump_blk_mq();
}

static void scan_dstate(s64 now)
{
	char buf[512];
	u64 ops;
	int w, k;

	for (w = 0; w < NW; w++) {
		if (!shm->p[w].alive || !shm->p[w].pid) {
			dstate_since[w] = 0;
			dstate_looks_since[w] = 0;
			continue;
		}
		if (!dstate_threads(shm->p[w].pid, buf, sizeof(buf), false)) {
			dstate_since[w] = 0;
			dstate_looks_since[w] = 0;
			continue;
		}
		if (!dstate_looks_since[w]) {
			dstate_looks_since[w] = now;
			dstate_op_changes[w] = 0;
		}
		/*
		 * This looks every 5 s: a worker that went on to another
		 * operation since the last look made progress, even if each
		 * look finds it in D state (io_destroy() back to back, each
		 * waiting for a grace period).  One stuck in a single
		 * operation, or in exit, keeps the same operations.
		 */
		ops = worker_ops(w);
		if (dstate_since[w] && ops != dstate_ops[w]) {
			dstate_op_changes[w]++;
			/* not a violation: said once, for the record */
			if (dstate_looks_since[w] > 0 &&
			    now - dstate_looks_since[w] > (s64)opt.watchdog * NSEC) {
				who_for(w, shm->p[w].inc);
				note("%s: pid %d was in D state at every look for %d s, in %d operations one after another (now %s)",
				     g_who, shm->p[w].pid, opt.watchdog, dstate_op_changes[w] + 1, buf);
				snprintf(g_who, sizeof(g_who), "controller");
				dstate_looks_since[w] = -1;
			}
		}
		if (!dstate_since[w] || ops != dstate_ops[w]) {
			dstate_since[w] = now;
			dstate_ops[w] = ops;
		} else if (now - dstate_since[w] > (s64)opt.watchdog * NSEC && dstate_since[w] > 0) {
			who_for(w, shm->p[w].inc);
			violation(V_DSTATE, "pid %d has threads in D state for %d s, in the same operations: %s",
				  shm->p[w].pid, opt.watchdog, buf);
			snprintf(g_who, sizeof(g_who), "controller");
			for (k = 0; k < TPW; k++) {
				const struct trec *t = &shm->t[w * TPW + k];
				s64 since = __atomic_load_n(&t->since, __ATOMIC_ACQUIRE);

				if (t->tid && since)
					note("  thread %d: in \"%s\" for %lld s", t->tid, t->what,
					     (long long)((now - since) / NSEC));
			}
			dump_dstate(shm->p[w].pid);
			dstate_since[w] = -1;	/* reported */
		}
	}
}

static void print_stack(int pid, int tid)
{
	char path[64], buf[2048], *l, *save;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
	if (read_str(path, buf, sizeof(buf)))
		return;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		note("    %s", l);
}

static void scan_watchdog(s64 now)
{
	int i;

	for (i = 0; i < NW * TPW; i++) {
		struct trec *t = &shm->t[i];
		s64 since = __atomic_load_n(&t->since, __ATOMIC_ACQUIRE);
		int w = i / TPW;

		if (!since || !t->tid || !shm->p[w].alive || t->reported == since)
			continue;
		if (now - since < (s64)opt.watchdog * NSEC)
			continue;
		t->reported = since;
		who_for(w, shm->p[w].inc);
		violation(V_WATCHDOG, "thread %d has been in \"%s\" for %lld s", t->tid, t->what,
			  (long long)((now - since) / NSEC));
		snprintf(g_who, sizeof(g_who), "controller");
		print_stack(t->pid, t->tid);
	}
}

static int live_workers(void)
{
	int w, n = 0;

	for (w = 0; w < NW; w++)
		if (w != W_LIFECHILD && shm->p[w].alive)
			n++;
	return n;
}

static u64 sum2(u64 (*a)[NKIND], int ck, int lo, int hi)
{
	u64 s = 0;
	int k;

	for (k = lo; k <= hi; k++)
		s += a[ck][k];
	return s;
}

static void progress(s64 now)
{
	struct counters *c = &shm->c;
	u64 sub = sum2(c->sub, 0, 0, NKIND - 1) + sum2(c->sub, 1, 0, NKIND - 1);
	u64 ev = sum2(c->ok, 0, 0, NKIND - 1) + sum2(c->ok, 1, 0, NKIND - 1) +
		 sum2(c->err, 0, 0, NKIND - 1) + sum2(c->err, 1, 0, NKIND - 1);
	u64 v = 0;
	int k;

	for (k = 0; k < NVCAT; k++)
		v += c->viol[k];
	note("[%4llds/%ds] iocbs %" PRIu64 " (polled %" PRIu64 ", classic %" PRIu64 "), events %" PRIu64
	     ", reads checked %" PRIu64 ", EBUSY %" PRIu64 ", kills %" PRIu64 ", signals %" PRIu64
	     ", contexts %" PRIu64 ", violations %" PRIu64,
	     (long long)((now - t_start) / NSEC), opt.duration, sub, sum2(c->sub, 0, 0, NKIND - 1),
	     sum2(c->sub, 1, 0, NKIND - 1), ev, c->reads_checked, c->ebusy,
	     c->worker_kills + c->life_kills, c->sigs_sent, c->ctx_made[0] + c->ctx_made[1], v);
}

/* ------------------------------------------------------------------ */
/* summary                                                            */

struct check { const char *name; int state; char detail[300]; };	/* state: 1 pass, 0 fail, -1 n/a */
static struct check checks[24];
static int nchecks;

static void __attribute__((format(printf, 3, 4))) add_check(const char *name, int state, const char *fmt, ...)
{
	struct check *c = &checks[nchecks++];
	va_list ap;

	c->name = name;
	c->state = state;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_errs(FILE *f, const char *name, const u64 *tab, bool last)
{
	bool first = true;
	int e;

	fprintf(f, "    \"%s\": {", name);
	for (e = 1; e < NERR; e++) {
		if (!tab[e])
			continue;
		fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ", errname(e), tab[e]);
		first = false;
	}
	fprintf(f, "}%s\n", last ? "" : ",");
}

static void write_summary(FILE *f, s64 elapsed, u64 nr_before, u64 nr_after, int passed, int failed)
{
	struct counters *c = &shm->c;
	struct utsname u;
	int ck, k, i;
	u32 nv = MIN(shm->nvlog, (u32)NVLOG);
	u64 tv = 0;

	uname(&u);
	for (k = 0; k < NVCAT; k++)
		tv += c->viol[k];
	fprintf(f, "{\n  \"seed\": %" PRIu64 ",\n  \"duration_s\": %d,\n  \"elapsed_s\": %.1f,\n",
		opt.seed, opt.duration, elapsed / 1e9);
	fprintf(f, "  \"kernel\": ");
	json_str(f, u.release);
	fprintf(f, ",\n  \"mode\": \"%s\",\n  \"io_workers\": %d,\n  \"watchdog_s\": %d,\n",
		polled_ok ? "polled+classic" : "classic-only", opt.workers, opt.watchdog);
	fprintf(f, "  \"replay\": \"--seed %" PRIu64 " --duration %d --workers %d --faults ", opt.seed,
		opt.duration, opt.workers);
	for (k = 0, i = 0; k < NFAULT; k++)
		if (flt[k].requested)
			fprintf(f, "%s%s", i++ ? "," : "", fault_name[k]);
	fprintf(f, "%s%s%s%s (and the same AIO_* targets)\",\n", i ? "" : "none",
		polled_ok ? "" : " --classic-only", opt.chaos ? "" : " --no-chaos",
		opt.invalid ? "" : " --no-invalid");
	fprintf(f, "  \"targets\": [\n");
	for (i = 0; i < ntg; i++) {
		struct target *t = &tg[i];

		fprintf(f, "    {\"name\": \"%s\", \"path\": ", t->env);
		json_str(f, t->path);
		fprintf(f, ", \"dev\": \"%s\", \"kind\": \"%s\", \"lbs\": %u, \"region_bytes\": %" PRIu64
			", \"pollable\": %s, \"data_checked\": %s, \"events_ok\": %" PRIu64 ", \"events_error\": %" PRIu64 "}%s\n",
			t->dev, t->is_bdev ? "block device" : "file system", t->lbs, t->rsize,
			t->pollable ? "true" : "false", t->data ? "true" : "false", c->tgt_ok[i], c->tgt_err[i],
			i + 1 < ntg ? "," : "");
	}
	fprintf(f, "  ],\n  \"iocbs\": {\n");
	for (ck = 0; ck < 2; ck++) {
		bool first = true;

		fprintf(f, "    \"%s\": {", ck_name[ck]);
		for (k = 0; k < NKIND; k++) {
			if (is_ctl(k) || !(c->sub[ck][k] + c->rej[ck][k]))
				continue;
			fprintf(f, "%s      \"%s\": {\"submitted\": %" PRIu64 ", \"rejected_as_expected\": %" PRIu64
				", \"completed_ok\": %" PRIu64 ", \"completed_error\": %" PRIu64
				", \"no_event_destroyed_or_exited\": %" PRIu64 "}",
				first ? "\n" : ",\n", kind_name[k], c->sub[ck][k], c->rej[ck][k], c->ok[ck][k],
				c->err[ck][k], c->disc[ck][k]);
			first = false;
		}
		fprintf(f, "%s}%s\n", first ? "" : "\n    ", ck ? "" : ",");
	}
	fprintf(f, "  },\n  \"errors\": {\n");
	json_errs(f, "io_submit", c->e_submit, false);
	json_errs(f, "event_result", c->e_event, false);
	json_errs(f, "io_getevents", c->e_getev, false);
	json_errs(f, "io_setup", c->e_setup, false);
	json_errs(f, "io_destroy", c->e_destroy, false);
	json_errs(f, "invalid_calls", c->e_call, true);
	fprintf(f, "  },\n  \"faults\": {\n");
	for (k = 0; k < NFAULT; k++) {
		fprintf(f, "    \"%s\": {\"requested\": %s, \"available\": %s, \"probability_pct\": %d, \"injected\": %ld, \"note\": ",
			fault_name[k], flt[k].requested ? "true" : "false", flt[k].available ? "true" : "false",
			flt[k].pct, flt[k].injected);
		json_str(f, flt[k].note);
		fprintf(f, "}%s\n", k + 1 < NFAULT ? "," : "");
	}
	fprintf(f, "  },\n  \"activity\": {\n");
#define J(name, val) fprintf(f, "    \"%s\": %" PRIu64 ",\n", name, (u64)(val))
	J("ebusy", c->ebusy);
	J("getevents_calls_with_two_polled_reapers", c->ebusy_calls);
	J("getevents_eintr", c->eintr);
	J("submit_partial", c->partial);
	J("submit_eagain_retried", c->eagain_retries);
	J("contexts_created_polled", c->ctx_made[CK_POLLED]);
	J("contexts_created_classic", c->ctx_made[CK_CLASSIC]);
	J("contexts_destroyed", c->ctx_destroyed[0] + c->ctx_destroyed[1]);
	J("destroyed_with_requests_in_flight", c->destroy_in_flight);
	J("destroy_races", c->races);
	J("aio_max_nr_reached", c->maxnr_reached);
	J("aio_max_nr_rounds", c->maxnr_rounds);
	J("io_setup_argument_errors_checked", c->setup_invalid);
	J("forks_in_flight", c->forks);
	J("execs_in_flight", c->execs);
	J("exits_in_flight", c->exits_in_flight);
	J("thread_exits_in_flight", c->thread_exits);
	J("sigkill_life_children", c->life_kills);
	J("sigkill_io_workers", c->worker_kills);
	J("sigstop", c->stops);
	J("signals_sent", c->sigs_sent);
	J("signals_caught", c->sigs_caught);
	J("io_worker_incarnations", c->incarnations);
	J("reads_checked", c->reads_checked);
	J("bytes_checked", c->bytes_checked);
	J("blocks_not_checked_unknown", c->blocks_unknown);
#undef J
	fprintf(f, "    \"end\": 0\n  },\n");
	fprintf(f, "  \"aio_nr\": {\"before\": %" PRIu64 ", \"after\": %" PRIu64 "},\n", nr_before, nr_after);
	fprintf(f, "  \"invariant_violations\": %" PRIu64 ",\n  \"violations_by_kind\": {", tv);
	for (k = 0; k < NVCAT; k++)
		fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "", vcat_name[k], c->viol[k]);
	fprintf(f, "},\n  \"violations\": [\n");
	for (i = 0; i < (int)nv; i++) {
		fprintf(f, "    ");
		json_str(f, shm->vlog[i]);
		fprintf(f, "%s\n", i + 1 < (int)nv ? "," : "");
	}
	fprintf(f, "  ],\n  \"checks\": [\n");
	for (i = 0; i < nchecks; i++) {
		fprintf(f, "    {\"name\": ");
		json_str(f, checks[i].name);
		fprintf(f, ", \"result\": \"%s\", \"detail\": ",
			checks[i].state > 0 ? "pass" : checks[i].state == 0 ? "fail" : "not applicable");
		json_str(f, checks[i].detail);
		fprintf(f, "}%s\n", i + 1 < nchecks ? "," : "");
	}
	fprintf(f, "  ],\n  \"passed\": %d,\n  \"failed\": %d\n}\n", passed, failed);
}

static void evaluate(s64 elapsed, u64 nr_before, u64 nr_after)
{
	struct counters *c = &shm->c;
	u64 pol_ok = sum2(c->ok, CK_POLLED, 0, K_FSYNC), cls_ok = sum2(c->ok, CK_CLASSIC, 0, K_FSYNC);
	bool long_run = elapsed >= 30 * NSEC;
	int k, bad = 0;

	(void)nr_before;
	(void)nr_after;
	add_check("setup: targets, and a polled one", !c->viol[V_SETUP] && ntg > 0 ? 1 : 0,
		  "%d target(s)%s", ntg, polled_ok ? ", polled contexts in use" : ", classic-only mode");
	add_check("iocbs: each accepted iocb gives exactly one event", !c->viol[V_EVENT],
		  "%" PRIu64 " violations", c->viol[V_EVENT]);
	add_check("results: the full length or an allowed errno", !c->viol[V_RESULT],
		  "%" PRIu64 " violations", c->viol[V_RESULT]);
	add_check("data: each successful read matches the last write there",
		  !c->viol[V_DATA] && c->reads_checked > 0,
		  "%" PRIu64 " violations, %" PRIu64 " reads checked (%" PRIu64 " bytes)", c->viol[V_DATA],
		  c->reads_checked, c->bytes_checked);
	add_check("io_submit: the expected errno for each invalid iocb", !c->viol[V_SUBMIT],
		  "%" PRIu64 " violations", c->viol[V_SUBMIT]);
	add_check("system calls: io_setup/io_setup2/io_getevents/io_destroy/io_cancel/fork/exec as expected",
		  !c->viol[V_SYSCALL], "%" PRIu64 " violations", c->viol[V_SYSCALL]);
	if (!polled_ok)
		add_check("EBUSY: a second reaper of a polled context", -1, "classic-only: no polled contexts");
	else if (c->viol[V_EBUSY])
		add_check("EBUSY: a second reaper of a polled context", 0,
			  "EBUSY where no other task reaped: %" PRIu64, c->viol[V_EBUSY]);
	else if (c->ebusy_calls < 100)
		add_check("EBUSY: a second reaper of a polled context", -1,
			  "only %" PRIu64 " io_getevents() calls by two reapers of one polled context (the rule needs 100)",
			  c->ebusy_calls);
	else
		add_check("EBUSY: a second reaper of a polled context", c->ebusy > 0,
			  "%" PRIu64 " EBUSY in %" PRIu64 " calls by two reapers of one polled context (at least 1 required once there were 100 calls)",
			  c->ebusy, c->ebusy_calls);
	add_check("watchdog: no operation or request over the limit", !c->viol[V_WATCHDOG],
		  "%" PRIu64 " violations (limit %d s)", c->viol[V_WATCHDOG], opt.watchdog);
	add_check("workers: no crash, no unexpected exit", !c->viol[V_WORKER],
		  "%" PRIu64 " violations", c->viol[V_WORKER]);
	add_check("fs.aio-nr back where it was", !c->viol[V_AIONR],
		  "before %" PRIu64 ", after %" PRIu64, nr_before, nr_after);
	add_check("no task left in D state", !c->viol[V_DSTATE], "%" PRIu64 " violations", c->viol[V_DSTATE]);
	for (k = 0; k < NFAULT; k++)
		if (flt[k].requested && flt[k].available && !flt[k].injected && elapsed >= 60 * NSEC &&
		    flt[k].pct > 0)
			bad++;
	add_check("faults: each requested kind available and injected", !c->viol[V_FAULT] && !bad,
		  "%" PRIu64 " unavailable, %d injected nothing in a run of 60 s or more", c->viol[V_FAULT], bad);
	if (!polled_ok)
		add_check("polled I/O completed", -1, "classic-only");
	else
		add_check("polled I/O completed", pol_ok > 0, "%" PRIu64 " polled reads and writes completed", pol_ok);
	add_check("classic I/O completed", cls_ok > 0, "%" PRIu64 " classic reads and writes completed", cls_ok);
	if (long_run && opt.chaos) {
		add_check("fork, exec, exit and SIGKILL with requests in flight happened",
			  c->forks && c->execs && c->exits_in_flight && c->life_kills,
			  "forks %" PRIu64 ", execs %" PRIu64 ", exits %" PRIu64 ", kills %" PRIu64,
			  c->forks, c->execs, c->exits_in_flight, c->life_kills + c->worker_kills);
		add_check("io_destroy() raced io_submit() and io_getevents()", c->races > 0,
			  "%" PRIu64 " races", c->races);
	}
	if (long_run && c->maxnr_rounds)
		add_check("fs.aio-max-nr reached (io_setup said EAGAIN)", c->maxnr_reached > 0,
			  "%" PRIu64 " of %" PRIu64 " rounds", c->maxnr_reached, c->maxnr_rounds);
}

/* ------------------------------------------------------------------ */
/* main                                                               */

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
"usage: aio-stress [--seed N] [--duration SECS] [--json FILE [--json-quiet]] [--workers N]\n"
"                  [--faults LIST] [--fault-pct P] [--watchdog SECS]\n"
"                  [--classic-only] [--no-chaos] [--no-invalid] [--dstate-all]\n"
"                  [--progress SECS] [--verbose] [--explain W.I.N] [--trace DIR]\n"
"Randomized stress of polled (io_setup2 IOCTX_FLAG_IOPOLL) and classic native\n"
"AIO on the targets named by AIO_DEV_NULLB_POLL, AIO_DEV_NULLB_SLOW,\n"
"AIO_DEV_NULLB_TAGS, AIO_DEV_NVME (block devices, overwritten: first 256 MiB)\n"
"and AIO_DIR_XFS, AIO_DIR_EXT4 (directories: O_DIRECT files made there).\n"
"An unset variable is not used; at least one polled target is required.\n"
"  --seed N         seed of every random choice (default: from the clock)\n"
"  --duration SECS  run time (default 180)\n"
"  --json FILE      write the JSON summary there too (it is printed anyway,\n"
"                   unless --json-quiet)\n"
"  --workers N      io worker processes (default 4, at most %d)\n"
"  --faults LIST    comma list: failslab, fail_page_alloc, fail_make_request,\n"
"                   fail_io_timeout, nullb (null_blk timeout/requeue/badblocks\n"
"                   on a device of its own), all, none (default none)\n"
"  --fault-pct P    probability in percent for every kind (default per kind)\n"
"  --watchdog SECS  an operation or request taking longer is a violation (60)\n"
"  --classic-only   no io_setup2: classic contexts only (a kernel without the\n"
"                   series; never for the real test)\n"
"  --no-chaos       no signals, SIGSTOP or SIGKILL from the controller\n"
"  --no-invalid     no invalid iocbs or calls\n"
"  --dstate-all     at the end, also fail on any task of the system in D state\n"
"  --progress SECS  progress line interval (default 10)\n"
"  -v, --verbose    a line for every io worker incarnation\n"
"  --explain W.I.N  print op N of io worker W, incarnation I, for this seed\n"
"                   and environment, and exit\n"
"  --trace DIR      every io worker incarnation writes the ops it runs to\n"
"                   DIR/ioW.I (two runs with one seed: the same lines)\n"
"Prints progress, violations (each naming the seed and the op), a JSON summary\n"
"and \"N passed, N failed\".  Exit status 0 only when nothing failed.\n", MAXIOW);
	exit(status);
}

static unsigned parse_faults(const char *s)
{
	char buf[256], *tok, *save;
	unsigned m = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int k;

		if (!strcmp(tok, "all"))
			m = (1u << NFAULT) - 1;
		else if (!strcmp(tok, "none"))
			m = 0;
		else if (!strcmp(tok, "nullb"))
			m |= 7u << F_NB_TIMEOUT;
		else {
			for (k = 0; k < NFAULT; k++)
				if (!strcmp(tok, fault_name[k]))
					break;
			if (k == NFAULT) {
				fprintf(stderr, "aio-stress: unknown fault kind '%s'\n", tok);
				usage(2);
			}
			m |= 1u << k;
		}
	}
	return m;
}

static void parse_args(int argc, char **argv)
{
	bool seeded = false;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

#define ARG(name) (!strcmp(a, name) && (v || (fprintf(stderr, "aio-stress: %s wants a value\n", name), usage(2), 0)) && ++i)
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			usage(0);
		else if (ARG("--seed")) {
			opt.seed = strtoull(v, NULL, 0);
			seeded = true;
		} else if (ARG("--duration"))
			opt.duration = atoi(v);
		else if (ARG("--json"))
			opt.json = v;
		else if (ARG("--workers"))
			opt.workers = atoi(v);
		else if (ARG("--faults"))
			opt.fault_mask = parse_faults(v);
		else if (ARG("--fault-pct"))
			opt.fault_pct = atoi(v);
		else if (ARG("--watchdog"))
			opt.watchdog = atoi(v);
		else if (ARG("--progress"))
			opt.progress = atoi(v);
		else if (ARG("--explain"))
			opt.explain = v;
		else if (ARG("--trace"))
			opt.trace = v;
		else if (!strcmp(a, "--classic-only"))
			opt.classic_only = true;
		else if (!strcmp(a, "--no-chaos"))
			opt.chaos = false;
		else if (!strcmp(a, "--no-invalid"))
			opt.invalid = false;
		else if (!strcmp(a, "--dstate-all"))
			opt.dstate_all = true;
		else if (!strcmp(a, "--json-quiet"))
			opt.json_quiet = true;
		else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			opt.verbose = true;
		else {
			fprintf(stderr, "aio-stress: unknown argument '%s'\n", a);
			usage(2);
		}
#undef ARG
	}
	if (opt.duration < 1 || opt.workers < 2 || opt.workers > MAXIOW || opt.watchdog < 5 ||
	    opt.progress < 1 || opt.fault_pct > 100) {
		fprintf(stderr, "aio-stress: --duration >= 1, 2 <= --workers <= %d, --watchdog >= 5, --fault-pct <= 100\n",
			MAXIOW);
		usage(2);
	}
	if (!seeded)
		opt.seed = (u64)now_ns() ^ ((u64)getpid() << 32);
}

/* final D-state scan of the whole system: three looks over 4 s */
static void dstate_all(void)
{
	char seen[3][4096];
	int pass;

	for (pass = 0; pass < 3; pass++) {
		struct dirent *de;
		size_t n = 0;
		DIR *d = opendir("/proc");

		seen[pass][0] = '\0';
		while (d && (de = readdir(d))) {
			char buf[256];
			int pid = atoi(de->d_name);

			if (pid <= 0 || !dstate_threads(pid, buf, sizeof(buf), false))
				continue;
			n += snprintf(seen[pass] + n, sizeof(seen[pass]) - n, " %d:", pid);
			if (n >= sizeof(seen[pass]))
				n = sizeof(seen[pass]) - 1;
		}
		if (d)
			closedir(d);
		if (pass < 2)
			sleep_ns(2 * NSEC);
	}
	/* a pid in D in all three looks */
	{
		char *p = seen[2], *save, *tok;

		for (tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			char needle[32], comm[64], path[64];

			snprintf(needle, sizeof(needle), " %s", tok);
			if (!strstr(seen[0], needle) || !strstr(seen[1], needle))
				continue;
			snprintf(path, sizeof(path), "/proc/%d/comm", atoi(tok));
			if (read_str(path, comm, sizeof(comm)))
				snprintf(comm, sizeof(comm), "?");
			violation(V_DSTATE, "at the end, pid %d (%s) stays in D state", atoi(tok), comm);
			print_stack(atoi(tok), atoi(tok));
		}
	}
}

int main(int argc, char **argv)
{
	struct rng cr;
	char err[PATH_MAX + 160];
	s64 end, now, next_sig, next_stop, next_kill, next_fault, next_wd, next_prog, cont_at = 0;
	pid_t stopped = 0;
	bool fault_on = false;
	u64 nr_before, nr_after;
	int i, w, passed = 0, failed = 0;
	FILE *mf;
	char *js = NULL;
	size_t jslen = 0;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		perror("aio-stress: mmap");
		return 1;
	}
	memset(shm, 0, sizeof(*shm));
	W_LIFE = opt.workers;
	W_RACE = opt.workers + 1;
	W_CHURN = opt.workers + 2;
	W_LIMIT = opt.workers + 3;
	W_LIFECHILD = opt.workers + 4;
	NW = opt.workers + 5;
	nreg = 2 * opt.workers + 3;
	t_start = now_ns();
	cr = rng_for(9, 0, 0, 0);

	/* the kernel */
	{
		aio_context_t c = 0;
		long r = a_setup2(1, 0, NULL, NULL, NULL, &c);

		has_setup2 = r == 0;
		if (!r)
			a_destroy(c);
		c = 0;
		if (has_setup2 && !a_setup2(1, IOCTX_FLAG_IOPOLL, NULL, NULL, NULL, &c)) {
			polled_ok = !opt.classic_only;
			a_destroy(c);
		}
		if (!opt.explain) {
			note("aio-stress: seed %" PRIu64 ", %d s, %d io workers, kernel io_setup2 (syscall %d): %s",
			     opt.seed, opt.duration, opt.workers, __NR_io_setup2,
			     has_setup2 ? "yes" : errname(-r));
			if (!polled_ok) {
				note("****************************************************************");
				note("**** CLASSIC-ONLY: %s", opt.classic_only ? "--classic-only given" :
				     "this kernel has no io_setup2() with IOCTX_FLAG_IOPOLL");
				note("**** no polled context is tested: this is not the real test");
				note("****************************************************************");
			}
		}
		if (!polled_ok && !opt.classic_only) {
			violation(V_SETUP, "io_setup2(IOCTX_FLAG_IOPOLL): %s; use --classic-only on a kernel without the series",
				  has_setup2 ? "refused" : errname(-r));
			printf("0 passed, 1 failed\n");
			return 1;
		}
	}

	/* the targets */
	for (i = 0; i < (int)ARRAY_SIZE(target_envs); i++) {
		const char *v = getenv(target_envs[i]);
		struct target *t;

		if (!v || !*v)
			continue;
		t = &tg[ntg];
		memset(t, 0, sizeof(*t));
		snprintf(t->env, sizeof(t->env), "%s", target_envs[i]);
		snprintf(t->path, sizeof(t->path), "%s", v);
		if (target_open(t, err, sizeof(err))) {
			violation(V_SETUP, "%s", err);
			targets_close();
			printf("0 passed, 1 failed\n");
			return 1;
		}
		ntg++;
	}
	if (opt.explain) {
		int ew, ei;
		u64 en;
		struct op op;

		if (sscanf(opt.explain, "%d.%d.%" SCNu64, &ew, &ei, &en) != 3 || !ntg) {
			fprintf(stderr, "aio-stress: --explain W.I.N, with the run's AIO_* variables set\n");
			return 2;
		}
		gen_op(ew, ei, (polled_ok && !((ew + ei) & 1)) ? CK_POLLED : CK_CLASSIC, en, &op);
		fmt_op(&op, (polled_ok && !((ew + ei) & 1)) ? CK_POLLED : CK_CLASSIC, 2 * ew + (ei & 1),
		       err, sizeof(err));
		printf("seed %" PRIu64 " worker %d incarnation %d: %s, batch %u, variant %u, segments",
		       opt.seed, ew, ei, err, op.batch, op.variant);
		for (i = 0; i < op.nvec; i++)
			printf(" %u", op.seg[i]);
		printf("\n");
		targets_close();
		return 0;
	}

	/* fault injection (may add the null_blk fault device as a target) */
	faults_setup();
	if (!ntg) {
		violation(V_SETUP, "no target: set AIO_DEV_NULLB_POLL, AIO_DEV_NULLB_SLOW, AIO_DEV_NULLB_TAGS, AIO_DEV_NVME, AIO_DIR_XFS or AIO_DIR_EXT4");
		faults_teardown();
		nullb_fault_remove();
		printf("0 passed, 1 failed\n");
		return 1;
	}
	for (i = 0, w = 0; i < ntg; i++)
		w += tg[i].pollable;
	if (polled_ok && !w) {
		violation(V_SETUP, "no polled target: none of the devices has poll queues (queue/io_poll)");
		faults_teardown();
		nullb_fault_remove();
		targets_close();
		printf("0 passed, 1 failed\n");
		return 1;
	}
	for (i = 0; i < ntg; i++)
		note("target %s=%s (%s): %s, lbs %u, %d regions of %" PRIu64 " KiB, max I/O %u KiB%s%s",
		     tg[i].env, tg[i].path, tg[i].dev, tg[i].is_bdev ? "block device" : "file system",
		     tg[i].lbs, nreg, tg[i].rsize >> 10, tg[i].max_io >> 10, tg[i].pollable ? ", poll queues" : "",
		     tg[i].data ? ", data checked" : ", no data (not memory backed)");
	for (i = 0; i < NFAULT; i++)
		if (flt[i].requested)
			note("fault %s: %s%s", fault_name[i], flt[i].available ? "on, " : "NOT AVAILABLE: ", flt[i].note);

	signal(SIGINT, on_int);
	signal(SIGTERM, on_int);
	signal(SIGPIPE, SIG_IGN);
	nr_before = aio_nr();

	for (w = 0; w < NW; w++)
		if (w != W_LIFECHILD && spawn(w, 0) < 0)
			violation(V_SETUP, "fork: %s", strerror(errno));

	now = now_ns();
	end = t_start + (s64)opt.duration * NSEC;
	next_sig = now + 5 * MSEC;
	next_stop = now + between(&cr, 1000, 3000) * MSEC;
	next_kill = now + between(&cr, 3000, 8000) * MSEC;
	next_fault = now + between(&cr, 500, 2000) * MSEC;
	next_wd = now + NSEC;
	next_prog = now + (s64)opt.progress * NSEC;
	while ((now = now_ns()) < end && !interrupted) {
		reap_children(true);
		if (opt.chaos && now >= next_sig) {
			/* a signal to a random thread of a worker */
			for (i = 0; i < 8; i++) {
				struct trec *t = &shm->t[below(&cr, NW * TPW)];
				int tid = __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE);

				if (!tid || !shm->p[(t - shm->t) / TPW].alive)
					continue;
				if (!syscall(SYS_tgkill, t->pid, tid, below(&cr, 2) ? SIGUSR1 : SIGUSR2))
					ADD(shm->c.sigs_sent, 1);
				break;
			}
			next_sig = now + between(&cr, 2, 20) * MSEC;
		}
		if (stopped && now >= cont_at) {
			kill(stopped, SIGCONT);
			stopped = 0;
		}
		if (opt.chaos && !stopped && now >= next_stop) {
			w = below(&cr, W_LIMIT + 1);
			if (shm->p[w].alive && shm->p[w].pid && !kill(shm->p[w].pid, SIGSTOP)) {
				stopped = shm->p[w].pid;
				cont_at = now + between(&cr, 10, 200) * MSEC;
				ADD(shm->c.stops, 1);
			}
			next_stop = now + between(&cr, 1000, 4000) * MSEC;
		}
		if (opt.chaos && now >= next_kill) {
			w = below(&cr, opt.workers);
			if (shm->p[w].alive && shm->p[w].pid && shm->p[w].pid != stopped) {
				shm->p[w].killed = 1;
				kill(shm->p[w].pid, SIGKILL);
				ADD(shm->c.worker_kills, 1);
			}
			next_kill = now + between(&cr, 3000, 10000) * MSEC;
		}
		if (now >= next_fault) {
			fault_on = !fault_on;
			faults_toggle(fault_on, &cr);
			next_fault = now + (fault_on ? between(&cr, 2000, 6000) : between(&cr, 1000, 3000)) * MSEC;
		}
		if (now >= next_wd) {
			scan_watchdog(now);
			if ((now - t_start) / NSEC % 5 == 0)
				scan_dstate(now);
			next_wd = now + NSEC;
		}
		if (now >= next_prog) {
			progress(now);
			next_prog = now + (s64)opt.progress * NSEC;
		}
		sleep_ns(2 * MSEC);
	}

	/* stop: workers drain and exit */
	if (stopped)
		kill(stopped, SIGCONT);
	faults_toggle(false, &cr);
	shm->stop = 1;
	note("stopping: waiting for %d workers to drain", live_workers());
	{
		s64 deadline = now_ns() + (s64)(opt.watchdog + 30) * NSEC, next = now_ns() + NSEC;

		while (live_workers() && now_ns() < deadline) {
			reap_children(false);
			if (now_ns() >= next) {
				scan_watchdog(now_ns());
				next = now_ns() + NSEC;
			}
			sleep_ns(5 * MSEC);
		}
	}
	for (w = 0; w < NW; w++) {
		char buf[512];

		if (!shm->p[w].alive || w == W_LIFECHILD)
			continue;
		who_for(w, shm->p[w].inc);
		if (dstate_threads(shm->p[w].pid, buf, sizeof(buf), false))
			violation(V_DSTATE, "pid %d did not stop; threads in D state: %s", shm->p[w].pid, buf);
		else
			violation(V_WORKER, "pid %d did not stop within %d s", shm->p[w].pid, opt.watchdog + 30);
		snprintf(g_who, sizeof(g_who), "controller");
		shm->p[w].killed = 1;
		kill(shm->p[w].pid, SIGKILL);
	}
	{
		s64 deadline = now_ns() + 30 * NSEC;

		while (live_workers() && now_ns() < deadline) {
			reap_children(false);
			sleep_ns(10 * MSEC);
		}
		for (w = 0; w < NW; w++)
			if (shm->p[w].alive && w != W_LIFECHILD)
				violation(V_DSTATE, "pid %d (worker %d) did not die after SIGKILL", shm->p[w].pid, w);
	}
	faults_teardown();
	targets_close();
	nullb_fault_remove();

	/* fs.aio-nr: the last mmput() may come a little after the exit */
	{
		s64 deadline = now_ns() + 10 * NSEC;

		while ((nr_after = aio_nr()) != nr_before && now_ns() < deadline)
			sleep_ns(50 * MSEC);
		if (nr_after != nr_before)
			violation(V_AIONR, "fs.aio-nr is %" PRIu64 " after the run, %" PRIu64 " before",
				  nr_after, nr_before);
	}
	if (opt.dstate_all)
		dstate_all();

	now = now_ns();
	progress(now);
	evaluate(now - t_start, nr_before, nr_after);
	for (i = 0; i < nchecks; i++) {
		if (checks[i].state < 0)
			continue;
		if (checks[i].state)
			passed++;
		else
			failed++;
	}
	printf("TAP version 13\n");
	for (i = 0, w = 0; i < nchecks; i++) {
		if (checks[i].state < 0) {
			printf("# not applicable: %s: %s\n", checks[i].name, checks[i].detail);
			continue;
		}
		printf("%s %d %s # %s\n", checks[i].state ? "ok" : "not ok", ++w, checks[i].name,
		       checks[i].detail);
	}
	printf("1..%d\n", w);
	mf = open_memstream(&js, &jslen);
	if (mf) {
		write_summary(mf, now - t_start, nr_before, nr_after, passed, failed);
		fclose(mf);
		if (!opt.json || !opt.json_quiet)
			fputs(js, stdout);
		if (opt.json) {
			FILE *f = fopen(opt.json, "w");

			if (!f || fputs(js, f) < 0 || fclose(f)) {
				fprintf(stderr, "aio-stress: writing %s: %s\n", opt.json, strerror(errno));
				failed++;
			}
		}
		free(js);
	}
	if (failed)
		printf("# FAILED: replay with --seed %" PRIu64 " (same AIO_* targets, --duration %d, --workers %d, --faults as before)\n",
		       opt.seed, opt.duration, opt.workers);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
