/*
 * tlspipe - anytls4j's bulk topology built from the least a program can do, in C, as a reference for bench.sh:
 *
 *   tcpbench -> tlspipe client (plain in, TLS out) -> tlspipe server (TLS in, plain out) -> sink
 *
 * The same four processes and three TCP hops as the anytls path (tcpbench -> SOCKS5 client -> anytls server ->
 * sink), without SOCKS, framing, padding, streams or a pool: each accepted connection gets its own TLS connection
 * (OpenSSL, TLS 1.3 with AES-128-GCM as anytls4j's pair negotiates, no verification) and a thread that copies both
 * ways, 256 KiB at a time (the reads of anytls4j's data path), writing what one read of the TLS side decrypted, and
 * the records sealed from one read of the plain side, with one write each. What it costs per GiB
 * is about the least any implementation of that topology costs on the machine, so bench.sh reports anytls4j
 * against it as well as against one TLS hop.
 *
 *   tlspipe client --listen 127.0.0.1:PORT --connect 127.0.0.1:PORT
 *   tlspipe server --listen 127.0.0.1:PORT --connect 127.0.0.1:PORT --tls-cert F --tls-key F
 *
 * Loopback only, like tcpbench. Build: cc -O2 -Wall -pthread -o tlspipe tlspipe.c -lssl -lcrypto
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSZ (256 * 1024)
#define RECORD (16 * 1024)

static SSL_CTX *g_ctx;
static int g_server;
static struct sockaddr_in g_connect;

static void die(const char *m) { fprintf(stderr, "tlspipe: %s\n", m); exit(2); }

static void parse_loopback(const char *hp, struct sockaddr_in *a) {
    const char *c = strrchr(hp, ':');
    char host[64];
    if (!c || (size_t)(c - hp) >= sizeof host) die("address must be 127.x.x.x:PORT");
    memcpy(host, hp, (size_t)(c - hp));
    host[c - hp] = 0;
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((unsigned short)atoi(c + 1));
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1 || (ntohl(a->sin_addr.s_addr) >> 24) != 127)
        die("address must be 127.x.x.x:PORT (loopback only)");
}

static void nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The records OpenSSL sealed into the memory BIO, in one write (as Netty's TLS handler writes them). */
static int flush_records(BIO *out, int fd) {
    char *p;
    long n = BIO_get_mem_data(out, &p);
    if (n > 0 && write_all(fd, p, (size_t)n)) return -1;
    (void)BIO_reset(out);
    return 0;
}

static int ssl_write_all(SSL *s, BIO *out, int fd, const char *p, size_t n) {
    while (n) {
        int w = SSL_write(s, p, (int)(n > 65536 ? 65536 : n));
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return flush_records(out, fd);
}

struct conn { int plain, tls; };

/* One connection: the accepted side and the side this pipe dialled; which one is TLS depends on the mode. */
static void *serve(void *arg) {
    struct conn c = *(struct conn *)arg;
    free(arg);
    char *buf = malloc(BUFSZ);
    SSL *ssl = SSL_new(g_ctx);
    if (!buf || !ssl || SSL_set_fd(ssl, c.tls) != 1 || (g_server ? SSL_accept(ssl) : SSL_connect(ssl)) != 1)
        goto done;
    /* after the handshake, records are sealed into memory and written together, as many as one read gave */
    BIO *out = BIO_new(BIO_s_mem());
    if (!out) goto done;
    SSL_set0_wbio(ssl, out);
    struct pollfd p[2] = {{.fd = c.plain, .events = POLLIN}, {.fd = c.tls, .events = POLLIN}};
    for (;;) {
        if (SSL_has_pending(ssl)) {
            p[0].revents = 0;
            p[1].revents = POLLIN;
        } else if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[1].revents) {
            /* everything already received and buffered by OpenSSL (read-ahead), as one write */
            size_t n = 0;
            do {
                int r = SSL_read(ssl, buf + n, (int)(BUFSZ - n));
                if (r <= 0) {
                    /* a record that is not data (a key update) leaves nothing to read yet: back to poll */
                    if (n == 0 && SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) goto done;
                    break;
                }
                n += (size_t)r;
            } while (BUFSZ - n >= RECORD && SSL_has_pending(ssl));
            if (n && write_all(c.plain, buf, n)) goto done;
            if (BIO_pending(out) && flush_records(out, c.tls)) goto done; /* a reply OpenSSL owes (key update) */
        }
        if (p[0].revents) {
            ssize_t r = read(c.plain, buf, BUFSZ);
            if (r <= 0 || ssl_write_all(ssl, out, c.tls, buf, (size_t)r)) goto done;
        }
    }
done:
    if (ssl) SSL_free(ssl);
    free(buf);
    close(c.plain);
    close(c.tls);
    return NULL;
}

int main(int argc, char **argv) {
    const char *listen_at = NULL, *connect_to = NULL, *cert = NULL, *key = NULL;
    if (argc < 2 || (strcmp(argv[1], "client") && strcmp(argv[1], "server")))
        die("usage: tlspipe client|server --listen 127.0.0.1:PORT --connect 127.0.0.1:PORT [--tls-cert F --tls-key F]");
    g_server = !strcmp(argv[1], "server");
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--listen")) listen_at = argv[i + 1];
        else if (!strcmp(argv[i], "--connect")) connect_to = argv[i + 1];
        else if (!strcmp(argv[i], "--tls-cert")) cert = argv[i + 1];
        else if (!strcmp(argv[i], "--tls-key")) key = argv[i + 1];
        else die("unknown option");
    }
    if (!listen_at || !connect_to) die("--listen and --connect are required");
    signal(SIGPIPE, SIG_IGN);
    g_ctx = SSL_CTX_new(g_server ? TLS_server_method() : TLS_client_method());
    if (!g_ctx) die("no TLS context");
    SSL_CTX_set_min_proto_version(g_ctx, TLS1_3_VERSION);
    SSL_CTX_set_read_ahead(g_ctx, 1);
    SSL_CTX_set_default_read_buffer_len(g_ctx, BUFSZ);
    /* SSL_read returns after a record that is not data instead of blocking for the next: the thread also serves
     * the other direction; and no session tickets, which every connection would otherwise read first */
    SSL_CTX_clear_mode(g_ctx, SSL_MODE_AUTO_RETRY);
    SSL_CTX_set_num_tickets(g_ctx, 0);
    /* the cipher anytls4j's BoringSSL pair agrees on (AES-128 first where the CPU has AES instructions) */
    if (SSL_CTX_set_ciphersuites(g_ctx, "TLS_AES_128_GCM_SHA256") != 1) die("no TLS_AES_128_GCM_SHA256");
    if (g_server) {
        if (!cert || !key || SSL_CTX_use_certificate_chain_file(g_ctx, cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(g_ctx, key, SSL_FILETYPE_PEM) != 1)
            die("server: cannot load --tls-cert/--tls-key");
    } else {
        SSL_CTX_set_verify(g_ctx, SSL_VERIFY_NONE, NULL);
    }
    struct sockaddr_in la;
    parse_loopback(listen_at, &la);
    parse_loopback(connect_to, &g_connect);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&la, sizeof la) || listen(ls, 512)) die("cannot listen");
    for (;;) {
        int in = accept(ls, NULL, NULL);
        if (in < 0) continue;
        int out = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(out, (struct sockaddr *)&g_connect, sizeof g_connect)) {
            close(in);
            close(out);
            continue;
        }
        nodelay(in);
        nodelay(out);
        struct conn *c = malloc(sizeof *c);
        if (!c) die("out of memory");
        c->plain = g_server ? out : in;
        c->tls = g_server ? in : out;
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, serve, c)) {
            close(in);
            close(out);
            free(c);
        }
        pthread_attr_destroy(&attr);
    }
}
