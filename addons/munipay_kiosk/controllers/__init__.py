from . import main
from . import offline
