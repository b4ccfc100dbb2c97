from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVENTS_DIR = ROOT / "events"
FUNCTIONS_DIR = ROOT / "functions"
LAYER_DIR = ROOT / "layers" / "api_core"
TEMPLATE_PATH = ROOT / "template.yaml"
