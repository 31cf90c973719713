/*
 * sys.c - what the system gives every module: the monotonic clock and
 * its wall-clock time, unpredictable bytes, signal handlers, the fatal
 * stop, and the machine's memory with the default share of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "defs.h"
#include "errtext.h"
#include "fmt.h"
#include "sys.h"

/* signal(2)'s job by sigaction, which the program links anyway (BSD
 * semantics: restarted system calls, the handler stays). */
void
ew_signal(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* A broken invariant: say what, and stop with a core (a trap, where
 * abort(3) would link libc's signal-raising machinery for the same). */
void
ew_fatal(const char *what)
{
	ew_dprintf(2, "etherws: %s: %s\n", what, ew_strerror(errno));
	__builtin_trap();
}

void
ew_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;
	int fd;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	if (len == 0)
		return;
	/* Old kernels without getrandom(2). */
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ew_fatal("/dev/urandom");
	}
	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ew_fatal("/dev/urandom");
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

uint64_t
ew_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
ew_iso_time(uint64_t ms, char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	uint64_t now = ew_now_ms();
	time_t t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = ts.tv_sec - (time_t)((now > ms ? now - ms : 0) / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    ew_strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		ew_snprintf(buf, cap, "?");
}

unsigned long long
ew_maxmem_default(unsigned long long ram, unsigned long long size_max)
{
	unsigned long long m = ram / MAXMEM_RAM_SHARE,
	    cap = size_max > 0xffffffffULL ? (unsigned long long)MAXMEM_CAP :
	    MAXMEM_CAP_32;

	if (m < MAXMEM_FLOOR)
		m = MAXMEM_FLOOR;
	return m < cap ? m : cap;
}

unsigned long long
ew_ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	/* in 64 bits: a 32-bit program may run on more than 4 GB */
	if (pages <= 0 || size <= 0)
		return 0;
	return (unsigned long long)pages * (unsigned long long)size;
}
