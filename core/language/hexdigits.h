#pragma once

#include <QtGlobal>

namespace sockbench {

// Hex digits both ways, for the payload and address parsers and the displays: one definition, so
// that the two parsers cannot come to disagree about what a hex digit is.

/// Lower case, as every display of bytes shows them.
inline constexpr char HexDigits[] = "0123456789abcdef";

/// Value of one hex digit (either case), -1 for anything else. A UTF-16 code unit, so that a full-width
/// or other non-ASCII "digit" is never taken for one.
constexpr int hexValue(char16_t c) {
    if (c >= u'0' && c <= u'9')
        return c - u'0';
    if (c >= u'a' && c <= u'f')
        return c - u'a' + 10;
    if (c >= u'A' && c <= u'F')
        return c - u'A' + 10;
    return -1;
}

} // namespace sockbench
