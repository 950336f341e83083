/* atomic.c — write-temp-fsync-rename files and fsync'd appends (see atomic.h). */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int kh_atomic_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return KH_EIO;
    int rc = fsync(fd) == 0 || errno == EINVAL ? KH_OK : KH_EIO;
    close(fd);
    return rc;
}

int kh_atomic_write(const char *dir, const char *name,
                    int (*fill)(FILE *f, void *ctx), void *ctx, kh_error *err)
{
    size_t n = strlen(dir) + strlen(name) + 16;
    char *tmp = malloc(n), *target = malloc(n);
    if (!tmp || !target) {
        free(tmp);
        free(target);
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    }
    snprintf(tmp, n, "%s/.%s.XXXXXX", dir, name);
    snprintf(target, n, "%s/%s", dir, name);
    int rc = KH_OK;
    FILE *f = NULL;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = kh_error_set(err, KH_EIO, target, 0, 0, "cannot create a temporary file: %s",
                          strerror(errno));
        goto done;
    }
    fchmod(fd, 0644);
    f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        rc = kh_error_set(err, KH_EIO, target, 0, 0, "%s", strerror(errno));
        goto done;
    }
    if (fill(f, ctx) != 0) {
        rc = kh_error_set(err, KH_EIO, target, 0, 0, "not written");
        goto done;
    }
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
        rc = kh_error_set(err, KH_EIO, target, 0, 0, "%s", strerror(errno));
        goto done;
    }
    int cr = fclose(f);
    f = NULL;
    if (cr != 0) {
        rc = kh_error_set(err, KH_EIO, target, 0, 0, "%s", strerror(errno));
        goto done;
    }
    if (rename(tmp, target) != 0) {
        rc = kh_error_set(err, KH_EIO, target, 0, 0, "%s", strerror(errno));
        goto done;
    }
    kh_atomic_sync_dir(dir);
done:
    if (f)
        fclose(f);
    if (rc != KH_OK && fd >= 0)
        unlink(tmp);
    free(tmp);
    free(target);
    return rc;
}

typedef struct bytes {
    const void *data;
    size_t len;
} bytes;

static int fill_bytes(FILE *f, void *ctx)
{
    const bytes *b = ctx;
    return b->len && fwrite(b->data, 1, b->len, f) != b->len ? -1 : 0;
}

int kh_atomic_write_bytes(const char *dir, const char *name, const void *data,
                          size_t len, kh_error *err)
{
    bytes b = {data, len};
    return kh_atomic_write(dir, name, fill_bytes, &b, err);
}

int kh_atomic_append(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return KH_EIO;
        }
        p += w;
        len -= (size_t)w;
    }
    return fsync(fd) == 0 ? KH_OK : KH_EIO;
}

int kh_atomic_mkdirs(const char *dir, kh_error *err)
{
    char *p = strdup(dir);
    if (!p)
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    int rc = KH_OK;
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        rc = kh_error_set(err, KH_EIO, dir, 0, 0, "cannot create the directory: %s",
                          strerror(errno));
    struct stat st;
    if (rc == KH_OK && (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)))
        rc = kh_error_set(err, KH_EIO, dir, 0, 0, "not a directory");
    free(p);
    return rc;
}
