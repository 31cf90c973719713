/*
 * relro.c - RELRO for the static build, which alone compiles this file.
 * The link (-z relro -z now) puts what is written only at start-up and
 * then only read -- .init_array, .fini_array, .got: pointers that are
 * called -- in a PT_GNU_RELRO segment ending on a page boundary; for a
 * dynamic program ld.so makes that read-only, but musl's start-up code
 * for a static one does not.  This constructor does, before main: an
 * arbitrary write can no longer redirect those calls.
 */
#include <elf.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>

/* A static PIE has no PT_PHDR; its dynamic section tells where it is. */
extern const char _DYNAMIC[] __attribute__((weak, visibility("hidden")));

static void __attribute__((constructor))
relro(void)
{
	const ElfW(Phdr) *ph = (const void *)getauxval(AT_PHDR);
	size_t n = getauxval(AT_PHNUM), i;
	uintptr_t bias = 0, pg = getauxval(AT_PAGESZ), a, b;

	if (ph == NULL || pg == 0)
		return;
	for (i = 0; i < n; i++)		/* a PIE's load address */
		if (ph[i].p_type == PT_PHDR)
			bias = (uintptr_t)ph - ph[i].p_vaddr;
		else if (ph[i].p_type == PT_DYNAMIC && _DYNAMIC != NULL)
			bias = (uintptr_t)_DYNAMIC - ph[i].p_vaddr;
	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_GNU_RELRO)
			continue;
		a = (bias + ph[i].p_vaddr) & ~(pg - 1);
		b = (bias + ph[i].p_vaddr + ph[i].p_memsz) & ~(pg - 1);
		if (b > a && mprotect((void *)a, b - a, PROT_READ) < 0)
			__builtin_trap();	/* never runs unprotected */
	}
}
