#pragma once

#include <QByteArray>
#include <QList>

namespace sockbench::test {

/// A small RFC 4180 reader written for the tests, so that the writers' quoting is checked by
/// something other than themselves. Returns the fields of each CRLF-terminated record; empty, with
/// *ok false, on bad syntax (an unterminated quote, a quote inside an unquoted field, a bare LF).
inline QList<QList<QByteArray>> readCsv(const QByteArray &text, bool *ok) {
    QList<QList<QByteArray>> rows;
    QList<QByteArray> row;
    QByteArray field;
    *ok = false;
    qsizetype i = 0;
    const qsizetype n = text.size();
    while (i < n) {
        if (text[i] == '"') {
            ++i;
            for (;;) {
                if (i >= n)
                    return {}; // unterminated quote
                if (text[i] == '"') {
                    if (i + 1 < n && text[i + 1] == '"') {
                        field.append('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field.append(text[i++]);
            }
        } else {
            while (i < n && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
                if (text[i] == '"')
                    return {}; // a quote inside an unquoted field
                field.append(text[i++]);
            }
        }
        if (i < n && text[i] == ',') {
            row.append(field);
            field.clear();
            ++i;
        } else if (i + 1 < n && text[i] == '\r' && text[i + 1] == '\n') {
            row.append(field);
            field.clear();
            rows.append(row);
            row.clear();
            i += 2;
        } else {
            return {}; // a bare LF or CR, or text after a closing quote
        }
    }
    *ok = row.isEmpty() && field.isEmpty();
    return rows;
}

} // namespace sockbench::test
