"""The typer application every command module registers on."""

import typer

__all__ = ["app"]

app = typer.Typer(add_completion=False, no_args_is_help=True, help="scandia: scandium supply-chain simulation")
