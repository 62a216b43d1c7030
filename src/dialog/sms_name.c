/* SPDX-License-Identifier: Apache-2.0 */
/* Names and references that others chose, made fit for one SMS (issue 12). A merchant's name or
 * an order number of any length would push a payment request into two or three SMS; one letter
 * outside GSM 03.38 (ê, ç, œ, a curly quote) would turn the whole message into UCS-2, 70
 * characters a part. So in SMS texts they are cut to a number of characters and their Latin
 * letters that GSM lacks are written with the nearest letters it has ("Crêperie" becomes
 * "Creperie"; é, è, à, ù, ü, ñ, ø and the others GSM has are kept). Letters of other scripts are
 * kept too: no spelling of them is ours to choose, and such a message goes in UCS-2. Pages and
 * the API show the names in full. */
#include <stddef.h>
#include <string.h>

#include "base/assert.h"
#include "dialog/dialog_int.h"

/* A UTF-8 sequence GSM 03.38 lacks and the GSM letters written instead. */
struct fold {
    const char *from;
    const char *to;
};

/* Latin-1 and Latin Extended-A letters missing from GSM 03.38's basic table, with a few marks of
 * punctuation that word processors put in names (and the ° of "n°"); the Polish, Romanian and
 * Czech letters of the people we serve. GSM has Ç but no ç: c is the honest spelling. */
static const struct fold folds[] = {
    {"á", "a"},        {"â", "a"},
    {"ã", "a"},        {"Á", "A"},
    {"À", "A"},        {"Â", "A"},
    {"Ã", "A"},        {"ç", "c"},
    {"ê", "e"},        {"ë", "e"},
    {"Ê", "E"},        {"È", "E"},
    {"Ë", "E"},        {"í", "i"},
    {"î", "i"},        {"ï", "i"},
    {"Í", "I"},        {"Ì", "I"},
    {"Î", "I"},        {"Ï", "I"},
    {"ó", "o"},        {"ô", "o"},
    {"õ", "o"},        {"Ó", "O"},
    {"Ò", "O"},        {"Ô", "O"},
    {"Õ", "O"},        {"ú", "u"},
    {"û", "u"},        {"Ú", "U"},
    {"Ù", "U"},        {"Û", "U"},
    {"ý", "y"},        {"ÿ", "y"},
    {"Ý", "Y"},        {"œ", "oe"},
    {"Œ", "OE"},       {"š", "s"},
    {"Š", "S"},        {"ž", "z"},
    {"Ž", "Z"},        {"ł", "l"},
    {"Ł", "L"},        {"ć", "c"},
    {"č", "c"},        {"Č", "C"},
    {"ř", "r"},        {"ş", "s"},
    {"ğ", "g"},        {"ı", "i"},
    {"ą", "a"},        {"ę", "e"},
    {"ś", "s"},        {"ź", "z"},
    {"ż", "z"},        {"ń", "n"},
    {"Ą", "A"},        {"Ę", "E"},
    {"Ś", "S"},        {"Ź", "Z"},
    {"Ż", "Z"},        {"ő", "o"},
    {"ű", "u"},        {"ă", "a"},
    {"ș", "s"},        {"ț", "t"},
    {"Ă", "A"},        {"Ș", "S"},
    {"Ț", "T"},        {"ě", "e"},
    {"ů", "u"},        {"ň", "n"},
    {"°", "o"},        {"º", "o"},
    {"ª", "a"},        {"’", "'"},
    {"‘", "'"},        {"«", "\""},
    {"»", "\""},       {"“", "\""},
    {"”", "\""},       {"–", "-"},
    {"—", "-"},        {"…", "..."},
    {"\xc2\xa0", " "}, {"\xe2\x80\xaf", " "},
};

/* Bytes of the UTF-8 character that starts with lead (1 for a stray continuation byte). */
static size_t char_len(unsigned char lead)
{
    return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

void dialog_sms_name(const char *in, size_t max_chars, char *out, size_t cap)
{
    size_t o = 0, chars = 0, i = 0;

    MDT_ASSERT(cap > 0);
    while (in[i] != '\0' && chars < max_chars) {
        const char *piece = in + i;
        size_t len = char_len((unsigned char)in[i]), plen = len;

        for (size_t k = 0; k < sizeof(folds) / sizeof(folds[0]); k++) {
            size_t fl = strlen(folds[k].from);

            if (strncmp(in + i, folds[k].from, fl) == 0) {
                piece = folds[k].to;
                len = fl;
                plen = strlen(piece);
                break;
            }
        }
        if (strnlen(in + i, len) < len || o + plen >= cap) {
            break; /* a character cut short at the end, or no room: stop at a whole character */
        }
        memcpy(out + o, piece, plen);
        o += plen;
        i += len;
        chars += piece == in + i - len ? 1 : plen; /* a fold counts the letters it wrote */
    }
    while (o > 0 && out[o - 1] == ' ') {
        o--; /* a cut between words leaves no trailing blank */
    }
    out[o] = '\0';
}
