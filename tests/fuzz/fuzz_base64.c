/*
 * fuzz_base64.c - libFuzzer harness for base64.c.  The input is decoded
 * (strict RFC 4648): when it decodes, encoding the result must give the
 * input back byte for byte (one canonical encoding per byte string), a
 * buffer one byte short must be refused, and the length must be what
 * the padding says.  The input is also encoded and must decode back.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../base64.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	uint8_t *out, *back;
	char *enc;
	long n;
	size_t cap = size / 4 * 3 + 1, elen;

	out = malloc(cap);
	assert(out != NULL);
	n = base64_decode(out, size / 4 * 3, in, size);
	assert(n >= -1);
	if (n >= 0) {
		assert(size % 4 == 0);
		assert((size_t)n <= size / 4 * 3 && (size_t)n + 2 >= size / 4 * 3);
		enc = malloc(BASE64_ENC_LEN((size_t)n) + 1);
		assert(enc != NULL);
		elen = base64_encode(enc, out, (size_t)n);
		assert(elen == size && memcmp(enc, in, size) == 0);
		assert(enc[elen] == '\0');
		free(enc);
		/* Exactly n bytes is enough, one fewer is not. */
		free(out);
		out = malloc(n > 0 ? (size_t)n : 1);
		assert(out != NULL);
		assert(base64_decode(out, (size_t)n, in, size) == n);
		if (n > 0)
			assert(base64_decode(out, (size_t)n - 1, in, size) == -1);
	}
	free(out);

	/* Encode anything; it decodes back. */
	enc = malloc(BASE64_ENC_LEN(size) + 1);
	back = malloc(size ? size : 1);
	assert(enc != NULL && back != NULL);
	elen = base64_encode(enc, data, size);
	assert(elen == BASE64_ENC_LEN(size) && strlen(enc) == elen);
	assert(base64_decode(back, size, enc, elen) == (long)size);
	assert(size == 0 || memcmp(back, data, size) == 0);
	free(enc);
	free(back);
	return 0;
}
