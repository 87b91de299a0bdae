/* hiredis_smoke: drives nokv-redis through hiredis (a real Redis client
 * library): plain and binary-safe commands, pipelining, error replies.
 * Usage: hiredis_smoke PORT. Exit 0 on success, 1 with a message otherwise. */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

static void expect(int cond, const char *what) {
  if (!cond) {
    fprintf(stderr, "hiredis_smoke: FAILED: %s\n", what);
    failures++;
  }
}

static void expect_status(redisReply *r, const char *want, const char *what) {
  expect(r != NULL && r->type == REDIS_REPLY_STATUS && strcmp(r->str, want) == 0, what);
}

static void expect_int(redisReply *r, long long want, const char *what) {
  expect(r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == want, what);
}

static void expect_str(redisReply *r, const char *want, size_t len, const char *what) {
  expect(r != NULL && r->type == REDIS_REPLY_STRING && r->len == len &&
             memcmp(r->str, want, len) == 0,
         what);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: hiredis_smoke PORT\n");
    return 2;
  }
  struct timeval timeout = {5, 0};
  redisContext *c = redisConnectWithTimeout("127.0.0.1", atoi(argv[1]), timeout);
  if (c == NULL || c->err) {
    fprintf(stderr, "hiredis_smoke: connect: %s\n", c ? c->errstr : "out of memory");
    return 1;
  }
  redisSetTimeout(c, timeout);
  redisReply *r;

  r = (redisReply *)redisCommand(c, "PING");
  expect_status(r, "PONG", "PING");
  freeReplyObject(r);

  /* Binary-safe key and value (embedded NUL and CRLF). */
  const char key[] = "bin\0key", val[] = "v\r\n\0x";
  r = (redisReply *)redisCommand(c, "SET %b %b", key, sizeof(key) - 1, val, sizeof(val) - 1);
  expect_status(r, "OK", "SET binary");
  freeReplyObject(r);
  r = (redisReply *)redisCommand(c, "GET %b", key, sizeof(key) - 1);
  expect_str(r, val, sizeof(val) - 1, "GET binary");
  freeReplyObject(r);

  /* The empty key is a key. */
  r = (redisReply *)redisCommand(c, "SET %b %s", "", (size_t)0, "empty");
  expect_status(r, "OK", "SET empty key");
  freeReplyObject(r);
  r = (redisReply *)redisCommand(c, "GET %b", "", (size_t)0);
  expect_str(r, "empty", 5, "GET empty key");
  freeReplyObject(r);
  r = (redisReply *)redisCommand(c, "DEL %b", "", (size_t)0);
  expect_int(r, 1, "DEL empty key");
  freeReplyObject(r);

  r = (redisReply *)redisCommand(c, "DEL hs:counter");
  freeReplyObject(r);
  r = (redisReply *)redisCommand(c, "INCRBY hs:counter 41");
  expect_int(r, 41, "INCRBY");
  freeReplyObject(r);

  /* Pipelining: 1000 INCRs queued, then the replies read in order. */
  for (int i = 0; i < 1000; i++) redisAppendCommand(c, "INCR hs:counter");
  for (int i = 0; i < 1000; i++) {
    if (redisGetReply(c, (void **)&r) != REDIS_OK) {
      fprintf(stderr, "hiredis_smoke: pipeline read failed: %s\n", c->errstr);
      return 1;
    }
    expect_int(r, 42 + i, "pipelined INCR");
    freeReplyObject(r);
  }

  r = (redisReply *)redisCommand(c, "MSET hs:a 1 hs:b 2");
  expect_status(r, "OK", "MSET");
  freeReplyObject(r);
  r = (redisReply *)redisCommand(c, "MGET hs:a hs:missing hs:b");
  expect(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
             r->element[1]->type == REDIS_REPLY_NIL && strcmp(r->element[2]->str, "2") == 0,
         "MGET");
  freeReplyObject(r);

  r = (redisReply *)redisCommand(c, "SET hs:t v EX 100");
  freeReplyObject(r);
  r = (redisReply *)redisCommand(c, "TTL hs:t");
  expect(r && r->type == REDIS_REPLY_INTEGER && r->integer > 90 && r->integer <= 100, "TTL");
  freeReplyObject(r);

  r = (redisReply *)redisCommand(c, "INCR hs:a x");
  expect(r && r->type == REDIS_REPLY_ERROR &&
             strcmp(r->str, "ERR wrong number of arguments for 'incr' command") == 0,
         "arity error");
  freeReplyObject(r);

  /* A 1 MiB value round-trips. */
  size_t big_len = 1 << 20;
  char *big = (char *)malloc(big_len);
  for (size_t i = 0; i < big_len; i++) big[i] = (char)('a' + i % 26);
  r = (redisReply *)redisCommand(c, "SET hs:big %b", big, big_len);
  expect_status(r, "OK", "SET 1MiB");
  freeReplyObject(r);
  r = (redisReply *)redisCommand(c, "GET hs:big");
  expect_str(r, big, big_len, "GET 1MiB");
  freeReplyObject(r);
  free(big);

  redisFree(c);
  if (failures == 0) printf("hiredis_smoke: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
