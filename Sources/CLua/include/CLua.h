/// The Lua 5.1 C API plus the sandbox, budget and conversion helpers that must run as C: a Lua error is a
/// `longjmp`, and it must never cross a Swift frame, so everything that can raise one outside `lua_pcall`
/// (opening libraries, the instruction hook) lives here.
#ifndef SENSOR_GATEWAY_CLUA_H
#define SENSOR_GATEWAY_CLUA_H

#include <stddef.h>
#include <lua5.1/lua.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>

/// One evaluation's budget: the state's allocator counts bytes against `memory_limit`; the hook, called every
/// 1,000 instructions and on every function call (Lua or C), subtracts from `instructions_left` and checks the
/// monotonic clock against `deadline`. Owned by the Swift object that owns the state; outlives it.
typedef struct clua_budget {
    size_t memory_used;
    size_t memory_limit;
    long instructions_left;
    double deadline;
    int instructions_exceeded;
    int time_exceeded;
    int memory_exceeded;
} clua_budget;

/// A new state whose allocator counts against `budget` (unlimited until `clua_arm`), with only the base
/// (minus loading, environment, garbage-collector and printing functions), string (without `dump`; `rep`
/// checks its result against the memory limit before building it), table and math libraries.
/// NULL if the state or its libraries could not be allocated.
lua_State *clua_open(clua_budget *budget);

/// Arms the budget for the next `lua_pcall`: at most `instructions` VM instructions, `seconds` of wall-clock time
/// (checked between instructions and calls) and `memory` more bytes than the state holds now.
void clua_arm(lua_State *L, long instructions, double seconds, size_t memory);

/// Lifts the memory limit again (to read the results without allocation failures outside protected mode).
void clua_disarm(lua_State *L);

/// Compiles `size` bytes of source or of our own bytecode; pushes the chunk, or an error message.
int clua_load(lua_State *L, const char *buffer, size_t size, const char *name);

/// The bytecode of the function on top of the stack (`lua_dump`), malloc'ed (free with `clua_free`); NULL on failure.
char *clua_dump(lua_State *L, size_t *size);

/// Frees what `clua_dump` returned.
void clua_free(void *pointer);

/// Pops the table on top of the stack into the global `name`.
void clua_set_global(lua_State *L, const char *name);

/// Gives the table at `index` the shared array metatable (`{__is_array = true}`), as Argo Events marks arrays.
void clua_mark_array(lua_State *L, int index);

/// Whether the table at `index` has a metatable with a true `__is_array`.
int clua_is_array(lua_State *L, int index);

#endif
