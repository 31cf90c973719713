/*
 * privdrop.c - sw --user: after start-up the switch gives up root.  It
 * keeps the three capabilities its run-time work needs (tap and netdev
 * ports, setif, SO_RCVBUFFORCE: CAP_NET_ADMIN; packet sockets:
 * CAP_NET_RAW; a server port below 1024: CAP_NET_BIND_SERVICE), sets
 * no_new_privs and installs a seccomp filter of the calls in sysallow.h.
 * No libseccomp: the filter is a short classic-BPF program built here.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "ctlallow.h"
#include "errtext.h"
#include "fmt.h"
#include "log.h"
#include "privdrop.h"
#include "sysallow.h"
#include "tap.h"
#include "util.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* The AUDIT_ARCH_* the kernel reports for this build's calls: a call
 * made with another convention (int 0x80 on x86-64, say) is killed. */
#if defined(__x86_64__) && defined(__ILP32__)
#define EW_ARCH		0		/* x32: no filter */
#elif defined(__x86_64__)
#define EW_ARCH		AUDIT_ARCH_X86_64
#define EW_ARCH_NAME	"x86_64"
#elif defined(__i386__)
#define EW_ARCH		AUDIT_ARCH_I386
#define EW_ARCH_NAME	"i386"
#elif defined(__aarch64__) && !defined(__AARCH64EB__)
#define EW_ARCH		AUDIT_ARCH_AARCH64
#define EW_ARCH_NAME	"aarch64"
#elif defined(__arm__) && defined(__ARM_EABI__) && !defined(__ARMEB__)
#define EW_ARCH		AUDIT_ARCH_ARM
#define EW_ARCH_NAME	"arm"
#elif defined(__mips__) && _MIPS_SIM == _ABIO32 && defined(__MIPSEB__)
#define EW_ARCH		AUDIT_ARCH_MIPS
#define EW_ARCH_NAME	"mips"
#elif defined(__mips__) && _MIPS_SIM == _ABIO32 && defined(__MIPSEL__)
#define EW_ARCH		AUDIT_ARCH_MIPSEL
#define EW_ARCH_NAME	"mipsel"
#elif defined(__s390x__)
#define EW_ARCH		AUDIT_ARCH_S390X
#define EW_ARCH_NAME	"s390x"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define EW_ARCH		AUDIT_ARCH_PPC64LE
#define EW_ARCH_NAME	"ppc64le"
#elif defined(__riscv) && __riscv_xlen == 64
#define EW_ARCH		AUDIT_ARCH_RISCV64
#define EW_ARCH_NAME	"riscv64"
#else
#define EW_ARCH		0		/* not known here: --user refused */
#endif
#ifndef EW_ARCH_NAME
#define EW_ARCH_NAME	"?"
#endif

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U	/* Linux 4.14; before it,
						 * an unknown action kills
						 * the (one) thread */
#endif

/* The capabilities kept: CAP_NET_BIND_SERVICE 10, NET_ADMIN 12, NET_RAW 13 */
#define CAPS_KEPT	((1ULL << CAP_NET_BIND_SERVICE) | \
			 (1ULL << CAP_NET_ADMIN) | (1ULL << CAP_NET_RAW))

static int	 pd_wanted, pd_active;
static uid_t	 pd_uid;
static gid_t	 pd_gid;
static const char *pd_name;

int
privdrop_init(const char *user, char *err, size_t errlen)
{
	uint32_t uid, gid;
	int rc;

	if (user == NULL)
		return 0;
	if (EW_ARCH == 0) {
		ew_snprintf(err, errlen, "--user: this build has no seccomp "
		    "filter for this CPU (etherws(8), --user)");
		return 2;
	}
	if ((rc = accounts_user(user, &uid, &gid, err, errlen)) != 0)
		return rc;
	pd_uid = (uid_t)uid;
	pd_gid = (gid_t)gid;
	pd_name = user;
	pd_wanted = 1;
	return 0;
}

/*
 * The ASan build (make check-asan, clang): LeakSanitizer's check at exit
 * stops the process from a clone with ptrace, and neither is in the
 * filter (nor can a process that changed its uid be traced): off once
 * the filter is on, so that the switch still ends cleanly there.
 * Memory errors are still found; their report then ends in SIGSYS.
 */
#if defined(__SANITIZE_ADDRESS__)
#define EW_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EW_ASAN	1
#endif
#endif
#ifdef EW_ASAN
int __lsan_is_turned_off(void);
int
__lsan_is_turned_off(void)
{
	return pd_active;
}
#endif

/* ------------------------------------------------------------------ */
/* Identity and capabilities */

/* The bounding set: every capability but the kept ones, gone for good
 * (needs CAP_SETPCAP, so before the uid changes).  EINVAL: past the
 * kernel's last capability. */
static int
caps_bound(void)
{
	unsigned cap;

	for (cap = 0; cap < 64; cap++) {
		if (CAPS_KEPT & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return errno == EINVAL && cap > CAP_NET_RAW ? 0 : -1;
	}
	return 0;
}

/* Permitted and effective: the kept ones; inheritable: none. */
static int
caps_set(void)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];

	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	d[0].permitted = d[0].effective = (uint32_t)CAPS_KEPT;
	d[1].permitted = d[1].effective = (uint32_t)(CAPS_KEPT >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/*
 * The identity calls, raw: the process has one thread, so libc's
 * all-threads machinery around them (musl's __synccall, 1.2 KB of the
 * static build) has nothing to do.  32-bit x86 and arm have a 16-bit
 * older set; the ...32 ones take full ids.
 */
#ifdef SYS_setresuid32
#define SYS_SETGROUPS	SYS_setgroups32
#define SYS_SETRESGID	SYS_setresgid32
#define SYS_SETRESUID	SYS_setresuid32
#define SYS_GETRESUID	SYS_getresuid32
#else
#define SYS_SETGROUPS	SYS_setgroups
#define SYS_SETRESGID	SYS_setresgid
#define SYS_SETRESUID	SYS_setresuid
#define SYS_GETRESUID	SYS_getresuid
#endif

/* To pd_uid / pd_gid, keeping the permitted capabilities across the
 * change (PR_SET_KEEPCAPS), then only the kept ones.  The step that
 * failed in *what. */
static int
become_user(const char **what)
{
	uid_t r, e, s;

	*what = "dropping the capability bounding set";
	if (caps_bound() < 0)
		return -1;
	/* EINVAL before Linux 4.3: no ambient set to clear */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return *what = "clearing the ambient capabilities", -1;
	*what = "PR_SET_KEEPCAPS";
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -1;
	*what = "setgroups/setresgid/setresuid";
	if (syscall(SYS_SETGROUPS, 1, &pd_gid) < 0 ||
	    syscall(SYS_SETRESGID, pd_gid, pd_gid, pd_gid) < 0 ||
	    syscall(SYS_SETRESUID, pd_uid, pd_uid, pd_uid) < 0)
		return -1;
	*what = "keeping the network capabilities (capset)";
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || caps_set() < 0)
		return -1;
	/* Belt and braces: the change took, and cannot be undone. */
	*what = "checking the new identity";
	if (syscall(SYS_GETRESUID, &r, &e, &s) < 0 || r != pd_uid ||
	    e != pd_uid || s != pd_uid || (pd_uid != 0 &&
	    syscall(SYS_SETRESUID, 0, 0, 0) == 0)) {
		errno = EPERM;
		return -1;
	}
	*what = "PR_SET_NO_NEW_PRIVS";
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* ------------------------------------------------------------------ */
/* The seccomp filter */

/* The low 32 bits of argument k (seccomp_data holds each as 64 bits) */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ARG_LO(k)	(offsetof(struct seccomp_data, args) + 8 * (k) + 4)
#else
#define ARG_LO(k)	(offsetof(struct seccomp_data, args) + 8 * (k))
#endif

/* Forward jumps to these, resolved once the program is complete */
enum { L_NONE, L_ALLOW, L_TRAP, L_PROT, L_SOCK, L_COUNT };

#define FILTER_MAX	(nitems(sysallow) + nitems(sysallow_prot) + 24)

struct prog {
	struct sock_filter	 f[FILTER_MAX];
	unsigned char		 jt[FILTER_MAX], jf[FILTER_MAX];	/* L_* */
	unsigned		 at[L_COUNT];	/* where each label is */
	unsigned		 n;
};

static void
emit(struct prog *p, uint16_t code, uint32_t k, int jt, int jf)
{
	struct sock_filter s = { code, 0, 0, k };

	p->f[p->n] = s;
	p->jt[p->n] = (unsigned char)jt;
	p->jf[p->n] = (unsigned char)jf;
	p->n++;
}

#define LD(p, off)	emit(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(off), 0, 0)
#define RET(p, v)	emit(p, BPF_RET | BPF_K, (v), 0, 0)
#define JEQ(p, v, lt)	emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(v), lt, 0)
#define LABEL(p, l)	((p)->at[l] = (p)->n)

/* Label numbers into jump offsets; -1 if one is out of a jump's reach. */
static int
resolve(struct prog *p)
{
	unsigned i, d;

	for (i = 0; i < p->n; i++) {
		if (p->jt[i] != L_NONE) {
			d = p->at[p->jt[i]] - i - 1;
			if (d > 255)
				return -1;
			p->f[i].jt = (uint8_t)d;
		}
		if (p->jf[i] != L_NONE) {
			d = p->at[p->jf[i]] - i - 1;
			if (d > 255)
				return -1;
			p->f[i].jf = (uint8_t)d;
		}
	}
	return 0;
}

/* Another arch's calls: killed at once; the x32 ABI's (x86-64 numbers
 * with bit 30 set, the same AUDIT_ARCH) too. */
static void
emit_arch(struct prog *p)
{
	LD(p, offsetof(struct seccomp_data, arch));
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, EW_ARCH, 0, 0);
	p->f[p->n - 1].jt = 1;
	RET(p, SECCOMP_RET_KILL_PROCESS);
	LD(p, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	emit(p, BPF_JMP | BPF_JGE | BPF_K, 0x40000000U, 0, 0);
	p->f[p->n - 1].jf = 1;
	RET(p, SECCOMP_RET_KILL_PROCESS);
#endif
}

/* The address families the switch opens: control and tunnels, syslog,
 * netlink (sock_diag, the route lookup), packet sockets (netdev). */
static const int families[] = {
	AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, AF_PACKET
};

static int
build(struct prog *p)
{
	size_t i;

	p->n = 0;
	emit_arch(p);
	for (i = 0; i < nitems(sysallow); i++)
		JEQ(p, sysallow[i], L_ALLOW);
	for (i = 0; i < nitems(sysallow_prot); i++)
		JEQ(p, sysallow_prot[i], L_PROT);
#ifdef __NR_socket
	JEQ(p, __NR_socket, L_SOCK);
#endif
	RET(p, SECCOMP_RET_TRAP);	/* none of them */
	LABEL(p, L_PROT);
	LD(p, ARG_LO(2));
	emit(p, BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, L_TRAP, L_ALLOW);
	LABEL(p, L_TRAP);
	RET(p, SECCOMP_RET_TRAP);
	LABEL(p, L_SOCK);
	LD(p, ARG_LO(0));
	for (i = 0; i < nitems(families); i++)
		JEQ(p, families[i], L_ALLOW);
	RET(p, SECCOMP_RET_TRAP);
	LABEL(p, L_ALLOW);
	RET(p, SECCOMP_RET_ALLOW);
	return resolve(p);
}

/*
 * A call outside the filter: one line (its number and arch: "ausyscall
 * NUMBER" names it), then the same fate as SECCOMP_RET_KILL_PROCESS.
 * Only async-signal-safe steps: ew_snprintf is ours (no locale, no
 * allocation) and log_emergency writes with one write(2) or send(2).
 * The second forbidden call, made while SIGSYS is blocked in this
 * handler, makes the kernel kill the process with SIGSYS.
 */
static void
sys_trap(int sig, siginfo_t *si, void *uc)
{
	char line[160];

	(void)sig;
	(void)uc;
	ew_snprintf(line, sizeof(line), "seccomp: system call %d (arch %s) is "
	    "not one the switch makes: stopping (etherws(8), --user)",
	    si->si_syscall, EW_ARCH_NAME);
	log_emergency(line);
	syscall(SYS_execve, NULL, NULL, NULL);
	_exit(128 + SIGSYS);
}

static int
filter_install(const char **what)
{
	static struct prog p;	/* 2.6 KB on x86-64: not on the stack */
	struct sock_fprog fp;
	struct sigaction sa;

	*what = "building the seccomp filter";
	if (build(&p) < 0) {
		errno = E2BIG;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sys_trap;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	*what = "the SIGSYS handler";
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -1;
	fp.len = (unsigned short)p.n;
	fp.filter = p.f;
	*what = "installing the seccomp filter";
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0);
}

/*
 * Each tap port opens /dev/net/tun anew: udev makes it 0666 (the kernel
 * makes it 0600 where nothing else sets it), and the user must be able
 * to open it.  Said once, at start, rather than at each addport.
 */
static void
tun_check(void)
{
	if (access(TUN_PATH, R_OK | W_OK) < 0)
		log_msg(EW_LOG_WARNING, "--user %s cannot open %s (%s): no "
		    "tap port can be added from now on (make it mode 0666, "
		    "as udev does: etherws(8), --user)", pd_name, TUN_PATH,
		    ew_strerror(errno));
}

int
privdrop_apply(char *err, size_t errlen)
{
	const char *what;

	if (!pd_wanted)
		return 0;
	if (become_user(&what) < 0)
		goto fail;
	tun_check();	/* before the filter, which has no access(2) */
	if (filter_install(&what) < 0)
		goto fail;
	pd_active = 1;
	log_msg(EW_LOG_INFO, "running as --user %s (uid %lu, gid %lu) with "
	    "CAP_NET_{ADMIN,RAW,BIND_SERVICE}, %u system calls", pd_name,
	    (unsigned long)pd_uid, (unsigned long)pd_gid,
	    (unsigned)(nitems(sysallow) + nitems(sysallow_prot) + 1));
	return 0;
fail:
	ew_snprintf(err, errlen, "--user %s: %s: %s", pd_name, what,
	    ew_strerror(errno));
	return -1;
}

void
privdrop_selftest(void)
{
#ifdef EW_TESTING
	char *const argv[] = { (char *)"/bin/true", NULL };

	if (pd_active && getenv("EW_TEST_SECCOMP") != NULL)
		execve(argv[0], argv, argv + 1);
#endif
}
