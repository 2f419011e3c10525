// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "tools/arrakisctl/vsas.h"

void vsas_header(void)
{
	printf("%-20s %12s %-6s %-5s %s\n", "VSA", "BYTES", "OWNER", "OPEN",
	       "EXTENTS (store offset+length)");
}

void vsa_text(const struct ak_vsa_info_wire *v)
{
	printf("%-20.31s %12llu %-6u %-5u", v->name,
	       (unsigned long long)v->size, v->owner_uid, v->open_count);
	for (uint32_t i = 0; i < v->n_extents && i < AK_VSA_WIRE_EXTENTS; i++)
		printf(" %llu+%llu", (unsigned long long)v->ext[i].offset,
		       (unsigned long long)v->ext[i].length);
	printf("\n");
}

json_t *vsa_json(const struct ak_vsa_info_wire *v)
{
	json_t *ext = json_array();

	for (uint32_t i = 0; i < v->n_extents && i < AK_VSA_WIRE_EXTENTS; i++)
		json_array_append_new(
			ext, json_pack("{s:I, s:I}", "offset",
				       (json_int_t)v->ext[i].offset, "length",
				       (json_int_t)v->ext[i].length));
	return json_pack("{s:s%, s:I, s:I, s:I, s:o}", "name", v->name,
			 strnlen(v->name, sizeof(v->name)), "size",
			 (json_int_t)v->size, "owner_uid",
			 (json_int_t)v->owner_uid, "open",
			 (json_int_t)v->open_count, "extents", ext);
}
