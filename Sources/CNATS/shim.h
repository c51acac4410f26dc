#ifndef SENSOR_GATEWAY_CNATS_SHIM_H
#define SENSOR_GATEWAY_CNATS_SHIM_H
#include <nats/nats.h>
#endif
