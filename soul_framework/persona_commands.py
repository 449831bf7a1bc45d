"""``soul persona``: check a persona file or Character Card, and turn a card into a persona file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
import tomli_w
import yaml

from soul_framework.config import load_settings
from soul_framework.errors import SoulError
from soul_framework.mind.personas import (
    PERSONA_FILE,
    LoadedPersona,
    PersonaError,
    load_persona,
    slug,
)

if TYPE_CHECKING:
    from soul_framework.runtime import Runtime


@click.group("persona")
def persona() -> None:
    """Check and import personas (persona files, Character Cards V2 and V3)."""


@persona.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def validate(path: Path) -> None:
    """Check PATH (a persona file or folder, or a Character Card) against every installed
    personality schema and emotion model; exit 1 with the problems when it is not valid."""
    from soul_framework.runtime import Runtime

    settings = load_settings(personality=str(path))
    try:
        runtime = Runtime.build(settings)
        problems = persona_problems(runtime)
    except SoulError as exc:
        raise click.ClickException(exc.message) from exc
    loaded = runtime.loaded_persona
    if problems:
        raise click.ClickException(f"{path}:\n  " + "\n  ".join(problems))
    drawn = [e for e in loaded.persona.expressions if loaded.image(e) is None]
    click.echo(f"{path}: {loaded.persona.name} is valid.")
    click.echo(f"  expressions: {', '.join(loaded.persona.expressions)}")
    if drawn:
        click.echo(f"  drawn in code (no image file): {', '.join(drawn)}")


def persona_problems(runtime: Runtime) -> list[str]:
    """What keeps the loaded persona from working with the installed schemas and models."""
    from soul_framework.mind.agents import personality_document

    problems: list[str] = []
    persona_ = runtime.loaded_persona.persona
    schemas = {
        r.name: r.factory(runtime.settings) for r in runtime.registry.all("personality_schema")
    }
    for name in persona_.personality:
        if name not in schemas:
            problems.append(f"personality.{name}: no installed personality schema has that name")
    for name, schema in schemas.items():
        try:
            personality_document(persona_, schema, schemas)
        except ValueError as exc:
            problems.append(f"personality.{name}: {exc}")
    emotions: set[str] = set()
    for model in runtime.all_of("emotion_model").values():
        emotions.update(model.emotions)
    problems += [
        f"emotions.baselines.{name}: no installed emotion model has that emotion"
        for name in persona_.emotions.baselines
        if name not in emotions
    ]
    return problems


@persona.command("import")
@click.argument("card", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder in which a folder named after the character is made.",
)
def import_card(card: Path, output: Path) -> None:
    """Turn a Character Card (V2 or V3, JSON or PNG) into a persona folder: persona.toml and
    the card's emotion images. Point PERSONALITY at the folder to use it."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        try:
            loaded = load_persona(str(card), data_dir=Path(scratch))
        except PersonaError as exc:
            raise click.ClickException(exc.message) from exc
        folder = output / slug(loaded.persona.name)
        if (folder / PERSONA_FILE).exists():
            raise click.ClickException(f"{folder / PERSONA_FILE} exists already; not replaced")
        images = folder / loaded.persona.expressions_dir
        images.mkdir(parents=True, exist_ok=True)
        copied = 0
        if loaded.images.is_dir():
            for image in sorted(loaded.images.iterdir()):
                shutil.copy2(image, images / image.name)
                copied += 1
    written = write_persona(loaded, folder)
    click.echo(f"{card} -> {written} ({copied} expression image(s) in {images})")


def write_persona(loaded: LoadedPersona, folder: Path) -> Path:
    """Write the persona as ``persona.toml``; as ``persona.yaml`` when it holds values TOML
    cannot express (nulls inside a card's extensions), so nothing of the card is lost."""
    document = loaded.persona.model_dump(mode="json", exclude_defaults=True)
    document = {"name": loaded.persona.name, **document}
    try:
        text, name = tomli_w.dumps(document), PERSONA_FILE
    except TypeError:
        text, name = yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "persona.yaml"
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
