/*
 * t2s.c — find the traditional characters of a text and their simplified
 * forms with OpenCC (t2s.json), one character for one, so the normaliser can
 * substitute them without disturbing its offset map.
 *
 * OpenCC is dlopen'ed on the first traditional document, not linked (with
 * marisa and libstdc++ it would cost every kaohe run its start-up), and its
 * t2s converter — 9.5 M instructions to open, 0.8 M to close — is opened
 * once per process and kept: see "the converter" below.
 */
#include "t2s.h"
#include "dl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opencc.h> /* types only */

#ifndef KH_OPENCC_T2S
#define KH_OPENCC_T2S "t2s.json" /* OpenCC then looks in its data directory */
#endif
#ifndef KH_OPENCC_SONAME
#define KH_OPENCC_SONAME "libopencc.so.1.1"
#endif

/* Frequent characters that exist only in traditional script (each is
 * changed by OpenCC's t2s and none occurs in simplified text). */
static const char TRAD_ONLY[] =
    "們個這來時會國對發為與說關開經過實現進動區機體義"
    "務條點員內學設產業執處辦議訴訟審規範後還幾無門問"
    "間見視頭題類顯黨東車長馬氣電話語記認識讓請調談論"
    "證護報場書畫線組織統結給總縣鄉鎮幹導將屬層歲歷壓"
    "廳廣廠應從權構樣檢標歸決況淨減測濟準滿營獲環當監"
    "盡際隊陽階隨難雜響頁順須預領風飛驗齊萬專兩嚴並臨"
    "舉樂習買亂億僅價眾優傳兒興養寫農衝劃則創別劇勵勞"
    "勢華協單賣衛卻參雙變葉號嗎團園圍圖圓聖壞塊堅壇墳"
    "壘壯聲備夠奪獎婦孫寧寶憲寬尋壽爾屆島崗帥師帳帶幫"
    "慶庫廢張彈強錄徑態懷憶恥惡愛戰戶擴掃揚擾撫擔擬擁"
    "攔擇掛據損換擊數斷舊晉曉暫術殺極槍棧樓樹橋歡歐殘"
    "漢湯溝沒淚潔灑淺漿濃濤潤漲漸溫灣濕濱滅燈靈災煉煙"
    "煩燒熱牽犧狀獨獄獵獻瑪暢療蓋盤確礎禮禍離種積稱穩"
    "窮競筆築簽簡糧緊紅約級紀純紙納紛練細終絕絲綜綠維"
    "網綱緒續縱編緣繼罰聯聞職聰肅膚腦臉艦藝節蘇藥虛蟲"
    "補裝製複襲覺觀計訂討訓講許訪評診詞試詩誠該詳誤誘"
    "諸讀課誰謀謝謹譯豐貝負財責賢敗貨質販貧購貫費資賓"
    "賜賞賠賴贊趙趕軍軌軟較輕載輝輪輸轉辭邊達遷運遠違"
    "連適選遺鄰醫釋針鋼錢鐵錯鍵閃閉閒閱陰陣陳陸隱險雞"
    "霧靜韓頂項頓頻額顏願館騙髮鬥鬧魚鳥鳴麥黃齒龍復";

#define CJK_LO 0x4E00
#define CJK_HI 0x9FFF

const char *kh_t2s__config(void)
{
    return KH_OPENCC_T2S;
}

/* Decode one code point of valid UTF-8 at s[i] (bounded by n). */
static size_t dec(const unsigned char *s, size_t n, size_t i, int32_t *cp)
{
    unsigned char b = s[i];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t len = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (i + len > n) {
        *cp = 0xFFFD;
        return 1;
    }
    if (len == 2)
        *cp = ((int32_t)(b & 0x1F) << 6) | (s[i + 1] & 0x3F);
    else if (len == 3)
        *cp = ((int32_t)(b & 0x0F) << 12) | ((int32_t)(s[i + 1] & 0x3F) << 6) |
              (s[i + 2] & 0x3F);
    else
        *cp = ((int32_t)(b & 0x07) << 18) | ((int32_t)(s[i + 1] & 0x3F) << 12) |
              ((int32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
    return len;
}

static bool ideograph(int32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

bool kh_t2s__looks_traditional(const char *text, size_t len)
{
    unsigned char map[(CJK_HI - CJK_LO) / 8 + 1];
    const unsigned char *t = (const unsigned char *)TRAD_ONLY;
    size_t tn = sizeof TRAD_ONLY - 1;
    memset(map, 0, sizeof map);
    for (size_t i = 0; i < tn;) {
        int32_t cp;
        i += dec(t, tn, i, &cp);
        if (cp >= CJK_LO && cp <= CJK_HI)
            map[(cp - CJK_LO) >> 3] |= (unsigned char)(1u << ((cp - CJK_LO) & 7));
    }
    const unsigned char *s = (const unsigned char *)text;
    size_t cjk = 0, trad = 0;
    for (size_t i = 0; i < len;) {
        unsigned char b = s[i];
        /* U+4E00..U+9FFF: lead bytes E4..E9 */
        if (b >= 0xE4 && b <= 0xE9 && i + 2 < len) {
            int32_t cp = ((int32_t)(b & 0x0F) << 12) | ((int32_t)(s[i + 1] & 0x3F) << 6) |
                         (s[i + 2] & 0x3F);
            if (cp >= CJK_LO) { /* E4 also leads U+4000–U+4DFF */
                cjk++;
                if (map[(cp - CJK_LO) >> 3] & (1u << ((cp - CJK_LO) & 7)))
                    trad++;
            }
            i += 3;
        } else {
            i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        }
    }
    return trad >= 3 && trad * 20 >= cjk;
}

/* ---- the result list and a per-call cache of single-character results ---- */

typedef struct subs_list {
    kh_t2s_sub *v;
    size_t n, cap;
} subs_list;

static bool subs_push(subs_list *l, size_t off, int32_t cp)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 256;
        kh_t2s_sub *nv = realloc(l->v, ncap * sizeof *nv);
        if (!nv)
            return false;
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = (kh_t2s_sub){ off, cp };
    return true;
}

typedef struct char_cache {
    int32_t *key; /* 0 = empty slot */
    int32_t *val;
    size_t cap, used; /* cap a power of two */
} char_cache;

static bool cache_init(char_cache *c)
{
    c->cap = 1024;
    c->used = 0;
    c->key = calloc(c->cap, sizeof *c->key);
    c->val = calloc(c->cap, sizeof *c->val);
    return c->key && c->val;
}

static void cache_free(char_cache *c)
{
    free(c->key);
    free(c->val);
}

static int32_t *cache_slot(char_cache *c, int32_t cp)
{
    size_t h = ((uint32_t)cp * 2654435761u) & (c->cap - 1);
    while (c->key[h] != 0 && c->key[h] != cp)
        h = (h + 1) & (c->cap - 1);
    return &c->key[h];
}

static bool cache_put(char_cache *c, int32_t cp, int32_t v)
{
    if ((c->used + 1) * 2 > c->cap) {
        char_cache big = { NULL, NULL, c->cap * 2, 0 };
        big.key = calloc(big.cap, sizeof *big.key);
        big.val = calloc(big.cap, sizeof *big.val);
        if (!big.key || !big.val) {
            cache_free(&big);
            return false;
        }
        for (size_t i = 0; i < c->cap; i++)
            if (c->key[i]) {
                int32_t *k = cache_slot(&big, c->key[i]);
                *k = c->key[i];
                big.val[k - big.key] = c->val[i];
                big.used++;
            }
        cache_free(c);
        *c = big;
    }
    int32_t *k = cache_slot(c, cp);
    if (*k == 0)
        c->used++;
    *k = cp;
    c->val[k - c->key] = v;
    return true;
}

/* The OpenCC functions used (from dlopen; see "the converter"). */
typedef struct opencc_api {
    opencc_t (*open)(const char *config);
    char *(*convert_utf8)(opencc_t cc, const char *input, size_t length);
    void (*convert_utf8_free)(char *str);
    const char *(*error)(void);
} opencc_api;

/* The t2s form of one ideograph (itself when OpenCC gives more or less than
 * one ideograph). false when out of memory. */
static bool convert_char(const opencc_api *api, opencc_t cc, char_cache *cache,
                         const unsigned char *p, size_t len, int32_t cp, int32_t *out)
{
    int32_t *k = cache_slot(cache, cp);
    if (*k == cp) {
        *out = cache->val[k - cache->key];
        return true;
    }
    *out = cp;
    char *o = api->convert_utf8(cc, (const char *)p, len);
    if (o) {
        size_t on = strlen(o);
        int32_t r;
        if (on > 0 && dec((const unsigned char *)o, on, 0, &r) == on && ideograph(r))
            *out = r;
        api->convert_utf8_free(o);
    }
    return cache_put(cache, cp, *out);
}

static size_t count_cps(const unsigned char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += (s[i] & 0xC0) != 0x80;
    return k;
}

/* The substitutions of text, with the loaded converter. */
static int substitutions(const opencc_api *api, opencc_t cc, kh_t2s_sub **subs, size_t *count,
                         const char *text, size_t len, const char *name, kh_error *err)
{
    int rc = KH_OK;
    subs_list l = { NULL, 0, 0 };
    char_cache cache = { NULL, NULL, 0, 0 };
    const unsigned char *s = (const unsigned char *)text;

    if (!cache_init(&cache))
        goto oom;

    for (size_t ls = 0; ls < len;) {
        const unsigned char *nl = memchr(s + ls, '\n', len - ls);
        size_t le = nl ? (size_t)(nl - s) : len;
        bool any = false; /* a byte that can start an ideograph */
        for (size_t i = ls; i < le && !any; i++)
            any = s[i] >= 0xE3;
        if (any) {
            char *o = api->convert_utf8(cc, text + ls, le - ls);
            size_t on = o ? strlen(o) : 0;
            const unsigned char *u = (const unsigned char *)o;
            if (o && count_cps(u, on) == count_cps(s + ls, le - ls)) {
                /* same length: position by position */
                size_t i = ls, j = 0;
                while (i < le && j < on) {
                    int32_t a, b;
                    size_t al = dec(s, le, i, &a), bl = dec(u, on, j, &b);
                    if (a != b && ideograph(a) && ideograph(b) && !subs_push(&l, i, b)) {
                        api->convert_utf8_free(o);
                        goto oom;
                    }
                    i += al;
                    j += bl;
                }
            } else {
                /* phrase conversion changed the length: one at a time */
                for (size_t i = ls; i < le;) {
                    int32_t a, b;
                    size_t al = dec(s, le, i, &a);
                    if (ideograph(a)) {
                        if (!convert_char(api, cc, &cache, s + i, al, a, &b)) {
                            if (o)
                                api->convert_utf8_free(o);
                            goto oom;
                        }
                        if (b != a && !subs_push(&l, i, b)) {
                            if (o)
                                api->convert_utf8_free(o);
                            goto oom;
                        }
                    }
                    i += al;
                }
            }
            if (o)
                api->convert_utf8_free(o);
        }
        ls = le + 1;
    }
    *subs = l.v;
    *count = l.n;
    l.v = NULL;
    goto done;
oom:
    rc = kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
done:
    free(l.v);
    cache_free(&cache);
    return rc;
}

/* ---- the converter --------------------------------------------------------
 *
 * A documented once-only cache: the first call of kh_t2s__substitutions in
 * a process loads OpenCC and its t2s configuration (pthread_once), and every
 * later call, for any document and any engine, uses the same converter. It
 * is never closed: like a library loaded with RTLD_NODELETE it lives until
 * the process exits (forked batch workers inherit it ready). It holds only
 * what OpenCC read from its data files, so sharing it cannot carry anything
 * from one document to the next. If loading fails, the failure is kept too,
 * and every traditional document gets the same error. Conversions are
 * serialised by a mutex (OpenCC does not promise that one converter may
 * convert on several threads at once). */

static struct {
    pthread_once_t once;
    pthread_mutex_t lock;
    opencc_api api;
    opencc_t cc;      /* (opencc_t)-1 when loading failed */
    char why[256];    /* the reason, then */
} converter = { PTHREAD_ONCE_INIT, PTHREAD_MUTEX_INITIALIZER, {0}, (opencc_t)-1, "" };

static void converter_load(void)
{
    const kh_dl_sym syms[] = {
        {&converter.api.open, "opencc_open"},
        {&converter.api.convert_utf8, "opencc_convert_utf8"},
        {&converter.api.convert_utf8_free, "opencc_convert_utf8_free"},
        {&converter.api.error, "opencc_error"},
    };
    void *dl = kh_dl_open(KH_OPENCC_SONAME, syms, sizeof syms / sizeof syms[0], converter.why,
                          sizeof converter.why);
    if (!dl)
        return;
    opencc_t cc = converter.api.open(KH_OPENCC_T2S);
    if (cc == (opencc_t)-1) {
        const char *why = converter.api.error();
        snprintf(converter.why, sizeof converter.why, "%s", why ? why : "unknown error");
        kh_dl_close(dl); /* RTLD_NODELETE: stays mapped */
        return;
    }
    converter.cc = cc; /* dl stays open (RTLD_NODELETE) for the process */
}

int kh_t2s__substitutions(kh_t2s_sub **subs, size_t *count, const char *text,
                          size_t len, const char *name, kh_error *err)
{
    *subs = NULL;
    *count = 0;
    pthread_once(&converter.once, converter_load);
    if (converter.cc == (opencc_t)-1)
        return kh_error_set(err, KH_EIO, name, 0, 0,
                            "cannot load the OpenCC conversion %s (traditional "
                            "characters): %s", KH_OPENCC_T2S, converter.why);
    pthread_mutex_lock(&converter.lock);
    int rc = substitutions(&converter.api, converter.cc, subs, count, text, len, name, err);
    pthread_mutex_unlock(&converter.lock);
    return rc;
}
