/* SPDX-License-Identifier: MIT */
/* arrakisctl vsas: the rows of the VSA listing (common/vsa_proto.h). */
#ifndef AK_TOOLS_ARRAKISCTL_VSAS_H
#define AK_TOOLS_ARRAKISCTL_VSAS_H

#include <jansson.h>

#include "common/vsa_proto.h"

void vsas_header(void);
void vsa_text(const struct ak_vsa_info_wire *v);
json_t *vsa_json(const struct ak_vsa_info_wire *v);

#endif
