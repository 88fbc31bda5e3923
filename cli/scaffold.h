/*
** scaffold.h - `dyno new-plugin`: write a ready-to-build out-of-tree
** plugin (source, a Makefile using pkg-config dyno-plugin, a test script).
*/
#ifndef DYNO_SCAFFOLD_H
#define DYNO_SCAFFOLD_H

#include "err.h"

/*
** Write NAME.c, Makefile and test.sh into dir (created if missing).
** Refuses a bad name or a file that already exists (nothing is
** overwritten).  Returns 0 or a negative DYNO_E* with err filled.
*/
int scaffold_write(const char *name, const char *dir, struct dyno_err *err);

#endif
