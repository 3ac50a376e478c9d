/*
 * cli.h - the command-line front end: a table of commands (name, arguments,
 * help, options, handler) that also produces `paperboy help` and
 * `paperboy COMMAND --help`. Exit status: 0 success, 1 failure or rejected
 * input, 2 usage error.
 */
#ifndef PAPERBOY_CLI_H
#define PAPERBOY_CLI_H

#include "../common.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Runs paperboy with its command line; returns the exit status. */
int cli_main(int argc, char **argv);

#endif
