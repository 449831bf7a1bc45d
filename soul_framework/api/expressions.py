"""``/static/expressions/{agent}/{name}``: the active agent's expression images.

``name`` is an expression name, with or without an image extension. The extension says which
format the client would like, not which it must get: the image in that format when there is
one, else in the first of ``.jpeg .webp .gif .png .jpg .svg`` there is, always sent with the
content type of what is sent (the 1.1 web UI asks ``neutral.jpeg``, then ``.jpg``, ``.png``,
``.webp``; the bundled personas have SVG faces only). ``neutral`` stands for the persona's
resting face. Anything that is not an expression name (a path, dots, separators, NUL) is 404
before the disk is touched. An expression the persona has but no image for is drawn in code
(SVG), so every persona has a face.
"""

from __future__ import annotations

from quart import Blueprint, Response, send_file
from quart_schema import hide

from soul_framework.api.state import app_state
from soul_framework.domain.persona import EXPRESSION_NAME, Persona
from soul_framework.errors import NotFound
from soul_framework.mind.character_card import IMAGE_TYPES
from soul_framework.mind.faces import PALETTES, palette_for, render_face
from soul_framework.mind.personas import IMAGE_EXTENSIONS, slug

blueprint = Blueprint("expressions", __name__, url_prefix="/static/expressions")

CACHE_SECONDS = 3600
IMAGE_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
"""Images may come from imported cards: an SVG must never run script or load anything."""


class ExpressionNotFound(NotFound):
    code = "expression_not_found"
    message = "Expression image not found."


@blueprint.get("/<agent>/<name>")
@hide
async def expression_image(agent: str, name: str) -> Response:
    runtime = app_state().runtime
    loaded = runtime.loaded_persona
    if slug(agent) not in {runtime.agent_id, slug(runtime.agent_name), slug(loaded.persona.name)}:
        raise ExpressionNotFound()
    expression, asked = _expression_named(name, loaded.persona)
    path = (loaded.image(expression + asked) if asked else None) or loaded.image(expression)
    if path is not None:
        response = await send_file(
            path,
            mimetype=IMAGE_TYPES[path.suffix.lower().lstrip(".")],
            conditional=True,
            cache_timeout=CACHE_SECONDS,
        )
    elif expression in loaded.persona.expressions:
        response = _drawn(loaded.persona.name, expression)
    else:
        raise ExpressionNotFound()
    response.headers["Content-Security-Policy"] = IMAGE_POLICY
    return response


def _expression_named(name: str, persona: Persona) -> tuple[str, str]:
    """The expression ``name`` asks for (``neutral`` resolved) and the extension it was asked
    with (``""`` for none), or 404 when it is not an expression name."""
    stem, asked = name, ""
    for extension in IMAGE_EXTENSIONS:
        if name.lower().endswith(extension):
            stem, asked = name[: -len(extension)], extension
            break
    if not EXPRESSION_NAME.fullmatch(stem):
        raise ExpressionNotFound()
    return (persona.neutral_expression if stem == "neutral" else stem), asked


def _drawn(persona_name: str, expression: str) -> Response:
    palette = PALETTES.get(slug(persona_name)) or palette_for(persona_name)
    svg = render_face(expression, palette)
    response = Response(svg, mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response
