from . import pafornode
