"""Draw images/icon.png (the Marketplace icon, 256x256) with Pillow.

Run once after changing the design: python scripts/make-icon.py
A chat bubble with lint marks on an indigo tile: prompts, checked.
"""

from pathlib import Path

from PIL import Image, ImageDraw

SCALE = 4  # draw large, then downsample for smooth edges
SIZE = 256


def draw() -> Image.Image:
    s = SIZE * SCALE
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    # Tile with a vertical gradient from indigo to violet.
    tile = Image.new("RGBA", (s, s))
    td = ImageDraw.Draw(tile)
    top, bottom = (49, 46, 129), (109, 40, 217)
    for y in range(s):
        t = y / (s - 1)
        rgb = (round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        td.line([(0, y), (s, y)], fill=(*rgb, 255))
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, s - 1, s - 1], radius=56 * SCALE, fill=255)
    img.paste(tile, (0, 0), mask)
    # Speech bubble.
    u = SCALE
    white = (255, 255, 255, 255)
    d.rounded_rectangle([36 * u, 44 * u, 220 * u, 172 * u], radius=28 * u, fill=white)
    d.polygon([(72 * u, 166 * u), (64 * u, 214 * u), (116 * u, 168 * u)], fill=white)
    # Prompt lines; the last one flagged with a squiggle colour.
    ink = (49, 46, 129, 255)
    d.rounded_rectangle([62 * u, 74 * u, 176 * u, 90 * u], radius=8 * u, fill=ink)
    d.rounded_rectangle([62 * u, 102 * u, 150 * u, 118 * u], radius=8 * u, fill=ink)
    d.rounded_rectangle([62 * u, 130 * u, 120 * u, 146 * u], radius=8 * u, fill=(234, 88, 12, 255))
    # Check mark badge.
    green = (22, 163, 74, 255)
    d.ellipse([150 * u, 112 * u, 222 * u, 184 * u], fill=green, outline=white, width=6 * u)
    tick = [(168 * u, 149 * u), (181 * u, 162 * u), (204 * u, 135 * u)]
    d.line(tick, fill=white, width=9 * u, joint="curve")
    return img.resize((SIZE, SIZE), Image.LANCZOS)


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "images" / "icon.png"
    out.parent.mkdir(exist_ok=True)
    draw().save(out, optimize=True)
    print(out)
