/*
 * cli.c - the command line of sw and ctl: the option parser, integer
 * options, a typo's likely meaning, and the one-line error.
 */
#include <stdarg.h>
#include <string.h>

#include "bytes.h"
#include "cli.h"
#include "fmt.h"

int
ew_edit_distance(const char *a, size_t an, const char *b, size_t bn)
{
	/* Three rows of the optimal string alignment distance: i - 2,
	 * i - 1, i (Levenshtein's, plus a swap of two neighbours: "prot"
	 * is one typo away from "port"). */
	unsigned r[3][EW_EDIT_MAX + 1], *pp, *p, *c, v;
	size_t i, j;

	if (an > EW_EDIT_MAX || bn > EW_EDIT_MAX)
		return EW_EDIT_MAX + 1;
	for (j = 0; j <= bn; j++)
		r[0][j] = (unsigned)j;
	for (i = 1; i <= an; i++) {
		pp = r[(i + 1) % 3];		/* row i - 2 */
		p = r[(i + 2) % 3];		/* row i - 1 */
		c = r[i % 3];
		c[0] = (unsigned)i;
		for (j = 1; j <= bn; j++) {
			v = p[j - 1] + (ew_lower((unsigned char)a[i - 1]) !=
			    ew_lower((unsigned char)b[j - 1]));
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ew_lower((unsigned char)a[i - 1]) ==
			    ew_lower((unsigned char)b[j - 2]) &&
			    ew_lower((unsigned char)a[i - 2]) ==
			    ew_lower((unsigned char)b[j - 1]) && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
	}
	return (int)r[an % 3][bn];
}

int
ew_nearest(const char *word, size_t wlen, const char *(*name)(size_t i,
    const void *tab), const void *tab, size_t n)
{
	int best = -1, bd = 3, d;
	size_t i;

	for (i = 0; i < n; i++) {
		d = ew_edit_distance(word, wlen, name(i, tab),
		    strlen(name(i, tab)));
		if (d < bd && (size_t)d * 2 < wlen) {
			bd = d;
			best = (int)i;
		}
	}
	return best;
}

static const char *
opt_name(size_t i, const void *tab)
{
	return ((const struct ew_opt *)tab)[i].name;
}

/* "unknown option --forground (did you mean --foreground?)" */
static int
opt_unknown(const char *arg, const struct ew_opt *defs, int ndefs,
    const char *prog)
{
	const char *w = arg + (arg[1] == '-' ? 2 : 1);
	size_t wl = 0;
	int i;

	while (w[wl] != '\0' && w[wl] != '=')
		wl++;
	i = ew_nearest(w, wl, opt_name, defs, (size_t)ndefs);

	if (i < 0)
		return ew_error(-2, prog, "unknown option %s", arg);
	return ew_error(-2, prog, "unknown option %s (did you mean --%s?)",
	    arg, defs[i].name);
}

/* "ambiguous option --ctlp: --ctlpath or --ctlport?" */
static int
opt_ambiguous(const char *a, size_t nlen, const struct ew_opt *defs,
    int ndefs, const char *prog)
{
	char list[256];
	size_t n = 0;
	int i, k = 0;

	list[0] = '\0';
	for (i = 0; i < ndefs && n < sizeof(list); i++)
		if (strncmp(defs[i].name, a, nlen) == 0)
			n += (size_t)ew_snprintf(list + n, sizeof(list) - n,
			    "%s--%s", k++ > 0 ? " or " : "", defs[i].name);
	return ew_error(-2, prog, "ambiguous option --%.*s: %s?", (int)nlen, a,
	    list);
}

int
ew_getopt(int argc, char **argv, int *idx, const struct ew_opt *defs,
    int ndefs, const char **val, const char *prog)
{
	const char *a, *eq;
	size_t nlen;
	int i, match = -1, nmatch = 0;

	*val = NULL;
	if (*idx >= argc)
		return -1;
	a = argv[*idx];
	if (strcmp(a, "--") == 0) {
		(*idx)++;
		return -1;
	}
	if (a[0] != '-' || a[1] != '-' || a[2] == '\0') {
		if (a[0] == '-' && a[1] != '\0' && !ew_isdigit(a[1]))
			return opt_unknown(a, defs, ndefs, prog);
		return -1;
	}
	a += 2;
	eq = strchr(a, '=');
	nlen = eq ? (size_t)(eq - a) : strlen(a);
	for (i = 0; i < ndefs; i++) {
		if (strncmp(defs[i].name, a, nlen) != 0)
			continue;
		if (defs[i].name[nlen] == '\0') {	/* exact wins */
			match = i;
			nmatch = 1;
			break;
		}
		match = i;
		nmatch++;
	}
	if (nmatch == 0)
		return opt_unknown(argv[*idx], defs, ndefs, prog);
	if (nmatch > 1)
		return opt_ambiguous(a, nlen, defs, ndefs, prog);
	(*idx)++;
	if (!defs[match].has_arg) {
		if (eq != NULL) {
			return ew_error(-2, prog, "--%s takes no value (got "
			    "'%s')", defs[match].name, eq + 1);
		}
		return match;
	}
	if (eq != NULL) {
		*val = eq + 1;
		return match;
	}
	if (*idx >= argc || (argv[*idx][0] == '-' && argv[*idx][1] != '\0' &&
	    !ew_isdigit(argv[*idx][1]))) {
		return ew_error(-2, prog, "--%s needs a value",
		    defs[match].name);
	}
	*val = argv[(*idx)++];
	return match;
}

int
ew_error(int rc, const char *prog, const char *fmt, ...)
{
	const char *name = strrchr(prog, '\n');
	va_list ap;

	/* A usage error: the command's name, not its whole usage (that
	 * is what -h is for), and where to find it. */
	ew_dprintf(2, "%s: error: ", name != NULL ? name + 1 : prog);
	va_start(ap, fmt);
	ew_vdprintf(2, fmt, ap);
	va_end(ap);
	ew_puts(2, "\n");
	if (name != NULL)
		ew_dprintf(2, "'%s -h' lists what it takes.\n", name + 1);
	return rc;
}
