#ifndef SENSOR_GATEWAY_CMSGPACK_SHIM_H
#define SENSOR_GATEWAY_CMSGPACK_SHIM_H
#include <msgpack.h>
#endif
