// SPDX-License-Identifier: MIT
#include <stddef.h>

#include "lib/vnic/vnic.h"

bool ak_vnic_accounting_ok(const struct ak_vnic *vnic,
			   struct ak_vnic_accounting *acct)
{
	struct ak_vnic_accounting a = {0};

	vnic->ops->accounting(vnic, &a);
	if (acct)
		*acct = a;
	return (uint64_t)a.free + a.fill + a.rx + a.tx + a.completion ==
	       a.frames;
}
