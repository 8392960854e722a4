/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef USERNETNS_CREATE_RELOAD_H
#define USERNETNS_CREATE_RELOAD_H

#include "helper.h"

/*
 * usernetns-create --reload (root's): policy applied to every live
 * namespace it can be applied to without taking it down, with work_caps
 * raised for the work; the others said.  The helper's exit code.
 */
int create_reload(const struct policy *policy, const int *work_caps);

#endif
