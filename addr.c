/*
 * addr.c - IP addresses as text: inet_aton's forms, address blocks
 * (CIDR) and their match, and an IPv6 zone's interface index.
 */
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>

#include "addr.h"
#include "bytes.h"
#include "fmt.h"
#include "util.h"

/*
 * inet_aton's reading, as glibc has it (Python's socket.inet_aton and
 * getaddrinfo's numeric hosts): one to four parts "a", "a.b", "a.b.c",
 * "a.b.c.d", each decimal, octal (leading 0) or hex (0x), the last one
 * filling the bytes left.  With loose, text after white space following
 * the address is ignored, as inet_aton does; getaddrinfo wants it exact.
 * 1 and out (network order), or 0.  libc's pulls strtoul into a static
 * link.
 */
int
ew_inet_aton(const char *s, uint8_t out[4], int loose)
{
	unsigned long long part[4], v;
	unsigned base, d;
	int n = 0, i, nd;
	char c;

	for (;;) {
		if (!ew_isdigit(*s))
			return 0;
		base = 10;
		v = 0;
		if (*s == '0') {
			base = 8;
			s++;
			if (*s == 'x' || *s == 'X') {
				base = 16;
				s++;
			}
		}
		for (nd = 0;; s++, nd++) {
			c = (char)ew_lower(*s);
			if (ew_isdigit(c))
				d = (unsigned)(c - '0');
			else if (base == 16 && c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else
				break;
			if (d >= base)
				return 0;
			v = v * base + d;
			if (v > 0xffffffffULL)
				return 0;
		}
		if (base == 16 && nd == 0)
			return 0;	/* "0x" and no digit */
		part[n++] = v;
		if (*s != '.')
			break;
		if (n == 4)
			return 0;
		s++;
	}
	if (*s != '\0' && !(loose && (*s == ' ' || (*s >= '\t' && *s <= '\r'))))
		return 0;
	/* all but the last part are one byte each */
	for (i = 0; i < n - 1; i++)
		if (part[i] > 0xff)
			return 0;
	if (part[n - 1] > (0xffffffffULL >> (8 * (n - 1))))
		return 0;
	v = part[n - 1];
	for (i = 0; i < n - 1; i++)
		v |= part[i] << (8 * (3 - i));
	for (i = 0; i < 4; i++)
		out[i] = (uint8_t)(v >> (8 * (3 - i)));
	return 1;
}

int
ew_cidr_parse(const char *s, struct ew_cidr *c)
{
	char a[64];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	long long bits;
	int max;

	if (n == 0 || n >= sizeof(a))
		return -1;
	memcpy(a, s, n);
	a[n] = '\0';
	memset(c, 0, sizeof(*c));
	if (ew_pton(AF_INET, a, c->addr) == 1)
		c->af = AF_INET;
	else if (ew_pton(AF_INET6, a, c->addr) == 1)
		c->af = AF_INET6;
	else
		return -1;
	max = c->af == AF_INET ? 32 : 128;
	bits = max;
	if (slash != NULL && (!ew_isdigit((unsigned char)slash[1]) ||
	    ew_parse_int(slash + 1, &bits) < 0 || bits > max))
		return -1;
	c->bits = (int)bits;
	return 0;
}

int
ew_cidr_match(const struct ew_cidr *c, int af, const uint8_t *addr)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	int whole, rest;

	if (af == AF_INET6 && c->af == AF_INET &&
	    memcmp(addr, mapped, sizeof(mapped)) == 0) {
		af = AF_INET;
		addr += 12;
	}
	if (af != c->af)
		return 0;
	whole = c->bits / 8;
	rest = c->bits % 8;
	if (memcmp(addr, c->addr, (size_t)whole) != 0)
		return 0;
	return rest == 0 || ((addr[whole] ^ c->addr[whole]) &
	    (0xff << (8 - rest))) == 0;
}

/* SIOCGIFINDEX rather than if_nametoindex: musl's brings strncpy's
 * stpncpy into the static build for the same ioctl. */
uint32_t
ew_scope_id(const char *zone)
{
	struct ifreq ifr;
	size_t len = strlen(zone);
	long long n;
	int s, idx = 0;

	if (ew_isdigit((unsigned char)zone[0]) && ew_parse_int(zone, &n) == 0)
		return n > 0 && n <= 0x7fffffff ? (uint32_t)n : 0;
	if (len >= sizeof(ifr.ifr_name))
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, zone, len);
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	if (ioctl(s, SIOCGIFINDEX, &ifr) == 0)
		idx = ifr.ifr_ifindex;
	close(s);
	return idx > 0 ? (uint32_t)idx : 0;
}
