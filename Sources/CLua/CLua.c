#include "CLua.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// Instructions between two hook calls: small enough to stop a loop quickly, large enough to cost little.
#define CLUA_HOOK_INTERVAL 1000

static const char *const clua_array_key = "sensor-gateway.is_array";

static void *clua_allocate(void *context, void *pointer, size_t old_size, size_t new_size) {
    clua_budget *budget = context;
    if (new_size == 0) {
        free(pointer);
        budget->memory_used -= old_size;
        return NULL;
    }
    if (new_size > old_size && new_size - old_size > budget->memory_limit - budget->memory_used) {
        budget->memory_exceeded = 1;
        return NULL;
    }
    void *resized = realloc(pointer, new_size);
    if (resized != NULL) budget->memory_used = budget->memory_used - old_size + new_size;
    return resized;
}

static double clua_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static clua_budget *clua_budget_of(lua_State *L) {
    void *context = NULL;
    lua_getallocf(L, &context);
    return context;
}

static void clua_hook(lua_State *L, lua_Debug *debug) {
    clua_budget *budget = clua_budget_of(L);
    if (debug->event == LUA_HOOKCOUNT) budget->instructions_left -= CLUA_HOOK_INTERVAL;
    if (budget->instructions_left <= 0) budget->instructions_exceeded = 1;
    if (clua_now() > budget->deadline) budget->time_exceeded = 1;
    if (budget->instructions_exceeded || budget->time_exceeded) {
        // Every further instruction of this coroutine fails too, so a `pcall` in the script cannot swallow it.
        lua_sethook(L, clua_hook, LUA_MASKCOUNT | LUA_MASKCALL, 1);
        luaL_error(L, budget->instructions_exceeded ? "instruction budget exceeded" : "time budget exceeded");
    }
}

/// `string.rep` that refuses a result larger than the memory left before building it, and builds it with
/// `memcpy` (the library's version appends one byte at a time, uncounted by the instruction budget).
static int clua_string_rep(lua_State *L) {
    size_t length = 0;
    const char *text = luaL_checklstring(L, 1, &length);
    lua_Integer count = luaL_checkinteger(L, 2);
    if (count <= 0 || length == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    clua_budget *budget = clua_budget_of(L);
    size_t left = budget->memory_limit - budget->memory_used;
    if ((size_t)count > left / length) {
        budget->memory_exceeded = 1;
        return luaL_error(L, "not enough memory");
    }
    size_t total = length * (size_t)count;
    char *bytes = lua_newuserdata(L, total);
    memcpy(bytes, text, length);
    // Doubling: each copy repeats everything built so far.
    for (size_t filled = length; filled < total;) {
        size_t chunk = filled < total - filled ? filled : total - filled;
        memcpy(bytes + filled, bytes, chunk);
        filled += chunk;
    }
    lua_pushlstring(L, bytes, total);
    return 1;
}

static int clua_open_sandbox(lua_State *L) {
    static const luaL_Reg libraries[] = {
        {"", luaopen_base}, {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
        {LUA_MATHLIBNAME, luaopen_math}, {NULL, NULL},
    };
    for (const luaL_Reg *library = libraries; library->func != NULL; library++) {
        lua_pushcfunction(L, library->func);
        lua_pushstring(L, library->name);
        lua_call(L, 1, 0);
    }
    static const char *const removed[] = {
        "dofile", "loadfile", "load", "loadstring", "require", "module", "getfenv", "setfenv",
        "collectgarbage", "gcinfo", "newproxy", "print", NULL,
    };
    for (const char *const *name = removed; *name != NULL; name++) {
        lua_pushnil(L);
        lua_setglobal(L, *name);
    }
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pushcfunction(L, clua_string_rep);
    lua_setfield(L, -2, "rep");
    lua_pop(L, 1);
    lua_createtable(L, 0, 1);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "__is_array");
    lua_setfield(L, LUA_REGISTRYINDEX, clua_array_key);
    return 0;
}

lua_State *clua_open(clua_budget *budget) {
    budget->memory_used = 0;
    budget->memory_limit = SIZE_MAX;
    budget->instructions_left = LONG_MAX;
    budget->deadline = HUGE_VAL;
    budget->instructions_exceeded = 0;
    budget->time_exceeded = 0;
    budget->memory_exceeded = 0;
    lua_State *L = lua_newstate(clua_allocate, budget);
    if (L == NULL) return NULL;
    if (lua_cpcall(L, clua_open_sandbox, NULL) != 0) {
        lua_close(L);
        return NULL;
    }
    return L;
}

void clua_arm(lua_State *L, long instructions, double seconds, size_t memory) {
    clua_budget *budget = clua_budget_of(L);
    budget->instructions_left = instructions;
    budget->deadline = clua_now() + seconds;
    budget->memory_limit = memory > SIZE_MAX - budget->memory_used ? SIZE_MAX : budget->memory_used + memory;
    lua_sethook(L, clua_hook, LUA_MASKCOUNT | LUA_MASKCALL, CLUA_HOOK_INTERVAL);
}

void clua_disarm(lua_State *L) {
    clua_budget *budget = clua_budget_of(L);
    budget->memory_limit = SIZE_MAX;
    lua_sethook(L, NULL, 0, 0);
}

int clua_load(lua_State *L, const char *buffer, size_t size, const char *name) {
    return luaL_loadbuffer(L, buffer, size, name);
}

typedef struct clua_buffer {
    char *bytes;
    size_t size;
    size_t capacity;
} clua_buffer;

static int clua_write(lua_State *L, const void *bytes, size_t size, void *context) {
    (void)L;
    clua_buffer *buffer = context;
    if (buffer->size + size > buffer->capacity) {
        size_t capacity = buffer->capacity * 2 + size;
        char *grown = realloc(buffer->bytes, capacity);
        if (grown == NULL) return 1;
        buffer->bytes = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->bytes + buffer->size, bytes, size);
    buffer->size += size;
    return 0;
}

char *clua_dump(lua_State *L, size_t *size) {
    clua_buffer buffer = {NULL, 0, 0};
    if (lua_dump(L, clua_write, &buffer) != 0) {
        free(buffer.bytes);
        return NULL;
    }
    *size = buffer.size;
    return buffer.bytes;
}

void clua_free(void *pointer) { free(pointer); }

void clua_set_global(lua_State *L, const char *name) { lua_setglobal(L, name); }

void clua_mark_array(lua_State *L, int index) {
    if (index < 0) index = lua_gettop(L) + index + 1;
    lua_getfield(L, LUA_REGISTRYINDEX, clua_array_key);
    lua_setmetatable(L, index);
}

int clua_is_array(lua_State *L, int index) {
    if (!lua_getmetatable(L, index)) return 0;
    lua_pushliteral(L, "__is_array");
    lua_rawget(L, -2);
    int marked = lua_toboolean(L, -1);
    lua_pop(L, 2);
    return marked;
}
