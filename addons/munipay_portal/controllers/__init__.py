from . import portal
from . import payment
from . import wallet
from . import status
