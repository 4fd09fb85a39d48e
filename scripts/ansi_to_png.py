#!/usr/bin/env python3
"""Render a captured ANSI terminal screen (e.g. `tmux capture-pane -e -p`) to a PNG.

Usage:
    python3 scripts/ansi_to_png.py SCREEN.ans OUT.png [--cols 160] [--rows 45]
        [--font-size 15] [--bg '#1e1e2e'] [--fg '#cdd6f4'] [--padding 10]

Understands SGR: resets (0, 22-29, 39, 49), bold (1), dim (2), italic (3), underline (4),
reverse (7), strike-through (9), the 16 colours (30-37, 40-47, 90-97, 100-107), 256 colours
(38;5;n / 48;5;n) and truecolour (38;2;r;g;b / 48;2;r;g;b, also with colons). Other escape
sequences are skipped. Every character takes one cell (two for East Asian wide ones); box
drawing and block elements are drawn as shapes so that lines join like in a real terminal,
other glyphs come from DejaVu Sans Mono (bold/oblique variants) with DejaVu Sans as a
fallback, shrunk to fit their cell when needed. Needs Pillow.
"""

import argparse
import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
FONTS = {
    (False, False): "DejaVuSansMono.ttf",
    (True, False): "DejaVuSansMono-Bold.ttf",
    (False, True): "DejaVuSansMono-Oblique.ttf",
    (True, True): "DejaVuSansMono-BoldOblique.ttf",
}
FALLBACK_FONTS = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}

# The 16 ANSI colours (a neutral xterm-like palette that reads well on a dark background).
ANSI16 = [
    (0x1e, 0x1e, 0x2e), (0xf3, 0x8b, 0xa8), (0xa6, 0xe3, 0xa1), (0xf9, 0xe2, 0xaf),
    (0x89, 0xb4, 0xfa), (0xcb, 0xa6, 0xf7), (0x94, 0xe2, 0xd5), (0xba, 0xc2, 0xde),
    (0x58, 0x5b, 0x70), (0xf3, 0x8b, 0xa8), (0xa6, 0xe3, 0xa1), (0xf9, 0xe2, 0xaf),
    (0x89, 0xb4, 0xfa), (0xcb, 0xa6, 0xf7), (0x94, 0xe2, 0xd5), (0xa6, 0xad, 0xc8),
]


def color256(n):
    if n < 16:
        return ANSI16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + 10 * (n - 232)
    return (v, v, v)


def parse_hex(s):
    s = s.lstrip("#")
    return tuple(int(s[i:i + 2], 16) for i in (0, 2, 4))


def blend(a, b, t):
    """a*(1-t) + b*t"""
    return tuple(int(round(x * (1 - t) + y * t)) for x, y in zip(a, b))


class Style:
    __slots__ = ("fg", "bg", "bold", "dim", "italic", "underline", "reverse", "strike")

    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None  # None = terminal default
        self.bg = None
        self.bold = self.dim = self.italic = False
        self.underline = self.reverse = self.strike = False

    def copy(self):
        s = Style.__new__(Style)
        for k in Style.__slots__:
            setattr(s, k, getattr(self, k))
        return s

    def apply_sgr(self, params):
        # Split "38:2::r:g:b" colon forms into their own list; keep ';' forms flat.
        items = []
        for p in params.split(";") if params else ["0"]:
            if ":" in p:
                items.append([int(x) if x else 0 for x in p.split(":")])
            else:
                items.append(int(p) if p else 0)
        i = 0
        while i < len(items):
            p = items[i]
            if isinstance(p, list):  # colon sub-parameters
                head = p[0]
                if head in (38, 48, 58) and len(p) >= 3:
                    if p[1] == 5:
                        col = color256(p[2] % 256)
                    elif p[1] == 2:
                        rgb = p[-3:]
                        col = tuple(max(0, min(255, v)) for v in rgb)
                    else:
                        col = None
                    if head == 38:
                        self.fg = col
                    elif head == 48:
                        self.bg = col
                elif head == 4:
                    self.underline = len(p) < 2 or p[1] != 0
                i += 1
                continue
            if p == 0:
                self.reset()
            elif p == 1:
                self.bold = True
            elif p == 2:
                self.dim = True
            elif p == 3:
                self.italic = True
            elif p in (4, 21):
                self.underline = True
            elif p == 7:
                self.reverse = True
            elif p == 9:
                self.strike = True
            elif p == 22:
                self.bold = self.dim = False
            elif p == 23:
                self.italic = False
            elif p == 24:
                self.underline = False
            elif p == 27:
                self.reverse = False
            elif p == 29:
                self.strike = False
            elif 30 <= p <= 37:
                self.fg = ANSI16[p - 30]
            elif 90 <= p <= 97:
                self.fg = ANSI16[p - 90 + 8]
            elif p == 39:
                self.fg = None
            elif 40 <= p <= 47:
                self.bg = ANSI16[p - 40]
            elif 100 <= p <= 107:
                self.bg = ANSI16[p - 100 + 8]
            elif p == 49:
                self.bg = None
            elif p in (38, 48, 58):
                mode = items[i + 1] if i + 1 < len(items) else None
                col = None
                if mode == 5 and i + 2 < len(items):
                    col = color256(int(items[i + 2]) % 256)
                    i += 2
                elif mode == 2 and i + 4 < len(items):
                    col = tuple(max(0, min(255, int(v))) for v in items[i + 2:i + 5])
                    i += 4
                if p == 38:
                    self.fg = col
                elif p == 48:
                    self.bg = col
            i += 1


ESC_RE = re.compile(
    r"\x1b\[([0-9;:?<>=]*)([ -/]*)([@-~])"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b[()*+].|\x1b[@-Z\\-_]"  # charset designation, other two-byte escapes
)


def char_width(ch):
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def parse_screen(text, cols, rows):
    """Return rows x cols grid of (char, Style) cells; None marks the 2nd half of a wide char."""
    blank = Style()
    grid = [[(" ", blank) for _ in range(cols)] for _ in range(rows)]
    style = Style()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for y, line in enumerate(lines[:rows]):
        x = 0
        pos = 0
        for m in ESC_RE.finditer(line + "\x1b[m"):
            chunk = line[pos:m.start()] if m.start() <= len(line) else line[pos:]
            for ch in chunk:
                if ch == "\r":
                    x = 0
                    continue
                if ch == "\t":
                    nx = min(cols, (x // 8 + 1) * 8)
                    while x < nx:
                        grid[y][x] = (" ", style.copy())
                        x += 1
                    continue
                if ord(ch) < 0x20:
                    continue
                w = char_width(ch)
                if w == 0:
                    # Combining mark: attach to the previous cell.
                    if x > 0 and grid[y][x - 1] is not None:
                        c, s = grid[y][x - 1]
                        grid[y][x - 1] = (c + ch, s)
                    continue
                if x + w > cols:
                    break
                grid[y][x] = (ch, style.copy())
                if w == 2:
                    grid[y][x + 1] = None
                x += w
            pos = m.end()
            if m.group(3) == "m" and m.start() < len(line):
                style.apply_sgr(m.group(1))
            elif m.group(3) == "m":
                pass  # our sentinel at end of line: keep the style (tmux carries it over)
    return grid


# --- box drawing -------------------------------------------------------------------------

WEIGHTS = {"LIGHT": 1, "SINGLE": 1, "HEAVY": 2, "DOUBLE": 3}
DIRS = {"UP": "u", "DOWN": "d", "LEFT": "l", "RIGHT": "r", "VERTICAL": "ud", "HORIZONTAL": "lr"}


def box_spec(ch):
    """Parse a U+2500..U+257F character from its Unicode name.

    Returns (arms, kind, dashes): arms maps 'u','d','l','r' to a weight (1 light, 2 heavy,
    3 double); kind is 'line', 'arc' or 'dash'. None when the character is not handled.
    """
    cp = ord(ch)
    if not 0x2500 <= cp <= 0x257F:
        return None
    name = unicodedata.name(ch, "")
    words = name.replace("BOX DRAWINGS ", "").split()
    if "DIAGONAL" in words:
        return None
    if "DASH" in words:
        weight = WEIGHTS[words[0]]
        n = {"DOUBLE": 2, "TRIPLE": 3, "QUADRUPLE": 4}[words[1]]
        arms = {d: weight for d in DIRS[words[-1]]}
        return arms, "dash", n
    kind = "line"
    if "ARC" in words:
        kind = "arc"
        words.remove("ARC")
    groups = " ".join(words).split(" AND ")
    parsed = []
    for g in groups:
        gw = None
        dirs = ""
        for w in g.split():
            if w in WEIGHTS:
                gw = WEIGHTS[w]
            elif w in DIRS:
                dirs += DIRS[w]
        parsed.append([gw, dirs])
    # A group without a weight takes the previous group's (or the next one's).
    for i, g in enumerate(parsed):
        if g[0] is None:
            prev = [p[0] for p in parsed[:i] if p[0] is not None]
            nxt = [p[0] for p in parsed[i + 1:] if p[0] is not None]
            g[0] = prev[-1] if prev else (nxt[0] if nxt else 1)
    arms = {}
    for gw, dirs in parsed:
        for d in dirs:
            arms[d] = gw
    return arms, kind, 0


class Renderer:
    def __init__(self, font_size, fg, bg):
        self.fonts = {k: ImageFont.truetype(FONT_DIR + v, font_size) for k, v in FONTS.items()}
        self.fallback = {k: ImageFont.truetype(FONT_DIR + v, font_size)
                         for k, v in FALLBACK_FONTS.items()}
        self.font_size = font_size
        base = self.fonts[(False, False)]
        ascent, descent = base.getmetrics()
        self.cw = int(round(base.getlength("M")))
        self.ch = ascent + descent
        self.baseline = ascent
        self.fg = fg
        self.bg = bg
        self.light = max(1, int(round(self.cw / 9)))
        self.heavy = self.light * 2 + 1
        self._notdef = {}
        self._glyph_font = {}

    # Which font draws ch, and at what size so that it fits one cell.
    def font_for(self, ch, bold, italic):
        key = (ch, bold, italic)
        if key in self._glyph_font:
            return self._glyph_font[key]
        candidates = [self.fonts[(bold, italic)], self.fonts[(bold, False)],
                      self.fonts[(False, False)], self.fallback[bold], self.fallback[False]]
        chosen = candidates[0]
        for f in candidates:
            if self.has_glyph(f, ch):
                chosen = f
                break
        width = chosen.getlength(ch)
        if width > self.cw * 1.05:
            size = max(6, int(self.font_size * self.cw / width))
            chosen = chosen.font_variant(size=size)
        self._glyph_font[key] = chosen
        return chosen

    def has_glyph(self, font, ch):
        fid = id(font)
        if fid not in self._notdef:
            self._notdef[fid] = self._mask_sig(font, "\U000F0000")
        return self._mask_sig(font, ch) != self._notdef[fid]

    @staticmethod
    def _mask_sig(font, ch):
        m = font.getmask(ch)
        return (m.size, bytes(m))

    def draw_box(self, d, x, y, spec, col):
        arms, kind, dashes = spec
        cw, chh = self.cw, self.ch
        cx = x + cw // 2
        cy = y + chh // 2

        def thick(w):
            return self.heavy if w == 2 else self.light

        if kind == "arc":
            t = self.light
            # Quarter ellipse from the middle of one edge to the middle of another.
            rx = cw - cw // 2
            ry = chh - chh // 2
            if arms.keys() == {"d", "r"}:
                box, ang = (cx, cy, cx + 2 * rx, cy + 2 * ry), (180, 270)
            elif arms.keys() == {"d", "l"}:
                box, ang = (cx - 2 * rx, cy, cx, cy + 2 * ry), (270, 360)
            elif arms.keys() == {"u", "l"}:
                box, ang = (cx - 2 * rx, cy - 2 * ry, cx, cy), (0, 90)
            else:  # up and right
                box, ang = (cx, cy - 2 * ry, cx + 2 * rx, cy), (90, 180)
            d.arc(box, ang[0], ang[1], fill=col, width=t)
            return
        if kind == "dash":
            w = next(iter(arms.values()))
            t = thick(w)
            if "l" in arms:
                seg = cw / dashes
                for i in range(dashes):
                    x0 = x + int(i * seg)
                    x1 = x + int((i + 0.6) * seg + 0.5)
                    d.rectangle([x0, cy - t // 2, max(x0, x1 - 1), cy - t // 2 + t - 1], fill=col)
            else:
                seg = chh / dashes
                for i in range(dashes):
                    y0 = y + int(i * seg)
                    y1 = y + int((i + 0.6) * seg + 0.5)
                    d.rectangle([cx - t // 2, y0, cx - t // 2 + t - 1, max(y0, y1 - 1)], fill=col)
            return
        gap = self.light + 1  # distance between the strokes of a double line
        maxv = max([thick(arms[k]) for k in "ud" if k in arms] + [0])
        maxh = max([thick(arms[k]) for k in "lr" if k in arms] + [0])
        for k, w in arms.items():
            t = thick(w)
            offsets = [-gap, gap] if w == 3 else [0]
            for off in offsets:
                if k in "lr":
                    yy = cy + off - t // 2
                    # Reach across the vertical stroke so that joins are filled.
                    reach = maxv // 2 + (gap if any(arms.get(v) == 3 for v in "ud") else 0)
                    if k == "r":
                        x0, x1 = cx - reach, x + cw - 1
                    else:
                        x0, x1 = x, cx + reach + (maxv - 1) % 2
                    d.rectangle([x0, yy, x1, yy + t - 1], fill=col)
                else:
                    xx = cx + off - t // 2
                    reach = maxh // 2 + (gap if any(arms.get(h) == 3 for h in "lr") else 0)
                    if k == "d":
                        y0, y1 = cy - reach, y + chh - 1
                    else:
                        y0, y1 = y, cy + reach + (maxh - 1) % 2
                    d.rectangle([xx, y0, xx + t - 1, y1], fill=col)

    def draw_block(self, img, d, x, y, ch, col, bgcol):
        """Block elements U+2580..U+259F. Returns False when not handled."""
        cp = ord(ch)
        cw, chh = self.cw, self.ch

        def rect(fx0, fy0, fx1, fy1, c=col):
            x0 = x + int(round(fx0 * cw))
            x1 = x + int(round(fx1 * cw)) - 1
            y0 = y + int(round(fy0 * chh))
            y1 = y + int(round(fy1 * chh)) - 1
            if x1 >= x0 and y1 >= y0:
                d.rectangle([x0, y0, x1, y1], fill=c)

        if cp == 0x2580:
            rect(0, 0, 1, 0.5)
        elif 0x2581 <= cp <= 0x2588:
            rect(0, 1 - (cp - 0x2580) / 8, 1, 1)
        elif 0x2589 <= cp <= 0x258F:
            rect(0, 0, (0x2590 - cp) / 8, 1)
        elif cp == 0x2590:
            rect(0.5, 0, 1, 1)
        elif cp in (0x2591, 0x2592, 0x2593):
            rect(0, 0, 1, 1, blend(bgcol, col, (cp - 0x2590) / 4))
        elif cp == 0x2594:
            rect(0, 0, 1, 1 / 8)
        elif cp == 0x2595:
            rect(7 / 8, 0, 1, 1)
        elif 0x2596 <= cp <= 0x259F:
            # quadrants: bits UL, UR, LL, LR
            q = {0x2596: "LL", 0x2597: "LR", 0x2598: "UL", 0x2599: "UL LL LR",
                 0x259A: "UL LR", 0x259B: "UL UR LL", 0x259C: "UL UR LR", 0x259D: "UR",
                 0x259E: "UR LL", 0x259F: "UR LL LR"}[cp].split()
            for part in q:
                fx = 0 if part[1] == "L" else 0.5
                fy = 0 if part[0] == "U" else 0.5
                rect(fx, fy, fx + 0.5, fy + 0.5)
        else:
            return False
        return True

    def render(self, grid, padding, pad_color):
        rows = len(grid)
        cols = len(grid[0]) if rows else 0
        W = cols * self.cw + 2 * padding
        H = rows * self.ch + 2 * padding
        img = Image.new("RGB", (W, H), pad_color)
        d = ImageDraw.Draw(img)
        d.rectangle([padding, padding, padding + cols * self.cw - 1,
                     padding + rows * self.ch - 1], fill=self.bg)
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                ch, st = cell
                width = 2 if c + 1 < cols and row[c + 1] is None else 1
                fg = st.fg if st.fg is not None else self.fg
                bg = st.bg if st.bg is not None else self.bg
                if st.reverse:
                    fg, bg = bg, fg
                if st.dim:
                    fg = blend(fg, bg, 0.45)
                x = padding + c * self.cw
                y = padding + r * self.ch
                if bg != self.bg:
                    d.rectangle([x, y, x + width * self.cw - 1, y + self.ch - 1], fill=bg)
                if ch != " ":
                    spec = box_spec(ch) if len(ch) == 1 else None
                    if spec is not None:
                        self.draw_box(d, x, y, spec, fg)
                    elif len(ch) == 1 and self.draw_block(img, d, x, y, ch, fg, bg):
                        pass
                    else:
                        font = self.font_for(ch[0], st.bold, st.italic)
                        adv = font.getlength(ch[0])
                        # Centre glyphs that are narrower or wider than their cell(s).
                        gx = x + (width * self.cw - adv) / 2
                        d.text((gx, y + self.baseline), ch, font=font, fill=fg, anchor="ls")
                if st.underline:
                    uy = y + self.baseline + max(1, self.ch // 10)
                    d.rectangle([x, uy, x + width * self.cw - 1, uy + self.light - 1], fill=fg)
                if st.strike:
                    sy = y + self.ch // 2
                    d.rectangle([x, sy, x + width * self.cw - 1, sy + self.light - 1], fill=fg)
        return img


def main(argv=None):
    ap = argparse.ArgumentParser(description="Render an ANSI terminal capture to a PNG.")
    ap.add_argument("input", help="ANSI text file ('-' for stdin)")
    ap.add_argument("output", help="PNG file to write")
    ap.add_argument("--cols", type=int, default=None, help="columns (default: longest line)")
    ap.add_argument("--rows", type=int, default=None, help="rows (default: number of lines)")
    ap.add_argument("--font-size", type=int, default=15)
    ap.add_argument("--fg", default="#cdd6f4", help="default foreground colour")
    ap.add_argument("--bg", default="#1e1e2e", help="default background colour")
    ap.add_argument("--padding", type=int, default=10, help="margin around the screen, in px")
    ap.add_argument("--colors", type=int, default=256,
                    help="quantize to this many colours to keep the PNG small (0: no)")
    args = ap.parse_args(argv)

    if args.input == "-":
        text = sys.stdin.buffer.read().decode("utf-8", "replace")
    else:
        with open(args.input, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    cols = args.cols or max((sum(char_width(c) for c in ESC_RE.sub("", ln)) for ln in lines),
                            default=80)
    rows = args.rows or len(lines)
    grid = parse_screen(text, cols, rows)
    renderer = Renderer(args.font_size, parse_hex(args.fg), parse_hex(args.bg))
    img = renderer.render(grid, args.padding, parse_hex(args.bg))
    if args.colors:
        img = img.quantize(colors=args.colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    img.save(args.output, optimize=True)


if __name__ == "__main__":
    main()
