/* SPDX-License-Identifier: MIT */
/*
 * Error codes: functions return 0 or a negative code from this list.
 * The values follow Linux so that logs read the same.
 */
#ifndef HARTSLAB_KERNEL_ERRNO_H
#define HARTSLAB_KERNEL_ERRNO_H

#define EPERM	  1
#define ENOENT	  2
#define EIO	  5
#define E2BIG	  7
#define ENOMEM	  12
#define EFAULT	  14
#define EBUSY	  16
#define EEXIST	  17
#define ENODEV	  19
#define EINVAL	  22
#define ENOSPC	  28
#define ERANGE	  34
#define ENOSYS	  38
#define ENODATA	  61
#define EOVERFLOW 75
#define EALREADY  114
#define ETIMEDOUT 110

const char *errno_name(int err);

#endif
