/* SPDX-License-Identifier: MIT */
/*
 * arrakisd's VSA module (control/vsa.c): the backing store, the VSA
 * messages of common/vsa_proto.h and the grants of loop devices.
 */
#ifndef AK_CONTROL_VSA_H
#define AK_CONTROL_VSA_H

#include "control/dispatch.h"

extern const struct ak_module ak_vsa_module;

#endif
