/*
 * fuzz_peeruid.c - libFuzzer harness for peeruid.c's /proc/net/tcp{,6}
 * reader.
 *
 * Input: one byte (bit 0: tcp6 lines, 4 address words, else tcp's one;
 * bit 1: look for our own line, whose order calibrates), then the file.
 * The file is read through a memfd as /proc's would be.  Every line
 * pline_parse takes must come back the same when written as the kernel
 * writes it; a lookup returns 1, 0 or -1, and 1 only with the uid of a
 * line that parses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../../peeruid.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHK(c)	do { if (!(c)) __builtin_trap(); } while (0)

/* l as the kernel writes it (with fixed fields we do not read). */
static int
format(char *out, size_t cap, unsigned words, const struct pline *l)
{
	size_t n = 0;
	unsigned i;
	int k;

	k = snprintf(out, cap, "   0: ");
	n += (size_t)k;
	for (i = 0; i < words; i++)
		n += (size_t)snprintf(out + n, cap - n, "%08X",
		    (unsigned)l->la[i]);
	n += (size_t)snprintf(out + n, cap - n, ":%04X ", l->lport);
	for (i = 0; i < words; i++)
		n += (size_t)snprintf(out + n, cap - n, "%08X",
		    (unsigned)l->ra[i]);
	n += (size_t)snprintf(out + n, cap - n, ":%04X %02X 00000000:00000000 "
	    "00:00000000 00000000 %5u        0 %lu 1 0", l->rport, l->state,
	    (unsigned)l->uid, l->inode);
	return (int)n;
}

/* Each line of (p, len): parsed, written back, parsed the same. */
static void
roundtrip(const char *p, size_t len, unsigned words, uint32_t *uids,
    size_t *nuids, size_t cap)
{
	const char *end = p + len, *nl;
	struct pline a, b;
	char out[512];
	int n;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (pline_parse(p, nl, words, &a) < 0)
			continue;
		CHK(a.lport <= 0xffff && a.rport <= 0xffff && a.state <= 0xff);
		n = format(out, sizeof(out), words, &a);
		CHK(n > 0 && (size_t)n < sizeof(out));
		CHK(pline_parse(out, out + n, words, &b) == 0);
		CHK(memcmp(a.la, b.la, words * 4) == 0 &&
		    memcmp(a.ra, b.ra, words * 4) == 0 &&
		    a.lport == b.lport && a.rport == b.rport &&
		    a.state == b.state && a.uid == b.uid &&
		    a.inode == b.inode);
		if (*nuids < cap)
			uids[(*nuids)++] = a.uid;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t addr[16] = { 127, 0, 0, 1, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1 };
	static uint32_t uids[4096];
	size_t nuids = 0, i;
	struct pquery q;
	char path[64];
	unsigned words;
	uint32_t uid;
	int fd, r, seen;

	if (size < 1)
		return 0;
	words = data[0] & 1 ? 4 : 1;
	roundtrip((const char *)data + 1, size - 1, words, uids, &nuids,
	    sizeof(uids) / sizeof(uids[0]));
	if ((fd = memfd_create("fuzz_peeruid", MFD_CLOEXEC)) < 0)
		return 0;
	if (write(fd, data + 1, size - 1) == (ssize_t)(size - 1)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		pquery_init(&q, addr, addr, words * 4, htons(7867),
		    htons(50000), data[0] & 2 ? 77 : 0);
		uid = 0xfeedface;
		r = proc_lookup(path, &q, &uid);
		CHK(r >= -1 && r <= 1);
		CHK(q.order >= -1 && q.order <= 1);
		if (r == 1 && nuids < sizeof(uids) / sizeof(uids[0])) {
			for (seen = 0, i = 0; i < nuids && !seen; i++)
				seen = uids[i] == uid;
			CHK(seen);
		}
	}
	close(fd);
	return 0;
}
