// SPDX-License-Identifier: MIT
/* Names for error codes, so that messages say what went wrong. */
#include "lib/errno.h"

const char *errno_name(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "OK";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case EIO:
		return "EIO";
	case E2BIG:
		return "E2BIG";
	case ENOMEM:
		return "ENOMEM";
	case EFAULT:
		return "EFAULT";
	case EBUSY:
		return "EBUSY";
	case EEXIST:
		return "EEXIST";
	case ENODEV:
		return "ENODEV";
	case EINVAL:
		return "EINVAL";
	case ENOSPC:
		return "ENOSPC";
	case ERANGE:
		return "ERANGE";
	case ENOSYS:
		return "ENOSYS";
	case ENODATA:
		return "ENODATA";
	case EOVERFLOW:
		return "EOVERFLOW";
	case EALREADY:
		return "EALREADY";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	default:
		return "E?";
	}
}
