// SPDX-License-Identifier: MIT
/*
 * Every module of the daemon, in start order. A module brings its config
 * section and its message handlers (see dispatch.h); add one line here.
 */
#include "control/dispatch.h"

extern const struct ak_module ak_core_module;
extern const struct ak_module ak_policy_module;
extern const struct ak_module ak_vnic_module;
extern const struct ak_module ak_vsa_module;

const struct ak_module *const ak_modules[] = {
	&ak_core_module,
	&ak_policy_module,
	&ak_vnic_module,
	&ak_vsa_module,
};

const size_t ak_nmodules = sizeof(ak_modules) / sizeof(ak_modules[0]);
