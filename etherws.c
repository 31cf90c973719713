/*
 * etherws.c - main: dispatch to the "sw" (switch daemon) and "ctl"
 * (control client) sub-commands.
 */
#include <string.h>

#include "cli.h"
#include "ctl.h"
#include "defs.h"
#include "fmt.h"
#include "sw.h"

static const char usage[] =
"usage: etherws [-h] {sw,ctl} ...\n";

static const char help[] =
"\n"
"Ethernet over WebSocket tunneling server/client\n"
"\n"
"positional arguments:\n"
"  {sw,ctl}\n"
"    sw        run the switch daemon\n"
"    ctl       control a running switch\n"
"\n"
"options:\n"
"  -h, --help  show this help message and exit\n"
"  --version   show the version and exit\n";

int
main(int argc, char **argv)
{
	if (argc < 2)
		return ew_error(2, "etherws", "a command is needed: sw (run the "
		    "switch) or ctl (control it)\n'etherws -h' says more.");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		ew_puts(1, usage);
		ew_puts(1, help);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		ew_dprintf(1, "etherws %s\n", ETHERWS_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "sw") == 0)
		return sw_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "ctl") == 0)
		return ctl_main(argc - 1, argv + 1);
	return ew_error(2, "etherws", "unknown command '%s': sw (run the "
	    "switch) or ctl (control it)\n'etherws -h' says more.", argv[1]);
}
