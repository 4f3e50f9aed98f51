"""Small torch modules for catalog layers that torch has no class for (tensor plumbing, arithmetic, constants).

Each is a few lines of plain PyTorch that imports nothing but torch, because code
export copies a class's source into the generated file as it is (the catalog
names these classes, and `netbuilder.compile.codegen` writes the source of every
one a graph uses). Constructor arguments are tensor-level: a permutation or an
axis counts the batch dimension, so the module reads like hand-written code.
"""

from __future__ import annotations

import torch
from torch import nn


class Permute(nn.Module):
    """Reorders the axes of a tensor (``dims`` includes the batch axis, which stays first)."""

    def __init__(self, dims: tuple[int, ...]) -> None:
        super().__init__()
        self.dims = tuple(dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(self.dims)


class Squeeze(nn.Module):
    """Removes an axis of size one."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.squeeze(self.dim)


class Unsqueeze(nn.Module):
    """Inserts an axis of size one."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(self.dim)


class Split(nn.Module):
    """Cuts a tensor into consecutive parts of the given sizes along one axis; returns them as a tuple."""

    def __init__(self, sizes: tuple[int, ...], dim: int) -> None:
        super().__init__()
        self.sizes = tuple(sizes)
        self.dim = dim

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(torch.split(x, list(self.sizes), dim=self.dim))


class Reduce(nn.Module):
    """The mean, maximum, minimum or sum over some axes."""

    def __init__(self, op: str, dims: tuple[int, ...], keepdim: bool = False) -> None:
        super().__init__()
        self.op = op
        self.dims = tuple(dims)
        self.keepdim = keepdim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.op == "mean":
            return x.mean(self.dims, keepdim=self.keepdim)
        if self.op == "max":
            return x.amax(self.dims, keepdim=self.keepdim)
        if self.op == "min":
            return x.amin(self.dims, keepdim=self.keepdim)
        return x.sum(self.dims, keepdim=self.keepdim)


class Sum(nn.Module):
    """Adds any number of tensors of the same shape."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Average(nn.Module):
    """The element-wise mean of any number of tensors of the same shape."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out / len(xs)


class Maximum(nn.Module):
    """The element-wise maximum of any number of tensors of the same shape."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = torch.maximum(out, x)
        return out


class Minimum(nn.Module):
    """The element-wise minimum of any number of tensors of the same shape."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = torch.minimum(out, x)
        return out


class Subtract(nn.Module):
    """``a - b``."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a - b


class Divide(nn.Module):
    """``a / b``."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a / b


class Negate(nn.Module):
    """``-x``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -x


class Abs(nn.Module):
    """``|x|``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.abs()


class Exp(nn.Module):
    """``exp(x)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.exp()


class Power(nn.Module):
    """``x ** exponent`` for a constant exponent."""

    def __init__(self, exponent: float) -> None:
        super().__init__()
        self.exponent = exponent

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x ** self.exponent


class Scale(nn.Module):
    """Multiplies by constant factors of ``shape`` (broadcast over the batch), learned or fixed."""

    def __init__(self, shape: tuple[int, ...], value: float = 1.0, learnable: bool = True) -> None:
        super().__init__()
        start = torch.full(tuple(shape), float(value))
        if learnable:
            self.weight = nn.Parameter(start)
        else:  # a buffer: saved with the weights, never trained
            self.register_buffer("weight", start)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight


class Bias(nn.Module):
    """Adds constant offsets of ``shape`` (broadcast over the batch), learned or fixed."""

    def __init__(self, shape: tuple[int, ...], value: float = 0.0, learnable: bool = True) -> None:
        super().__init__()
        start = torch.full(tuple(shape), float(value))
        if learnable:
            self.bias = nn.Parameter(start)
        else:  # a buffer: saved with the weights, never trained
            self.register_buffer("bias", start)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.bias


class ClassToken(nn.Module):
    """Prepends a learned token to every sequence of a batch: ``(N, L, D)`` → ``(N, L + 1, D)`` (a ViT's class token).

    The token starts at zeros, as torchvision's VisionTransformer starts its class token.
    """

    def __init__(self, features: int) -> None:
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, 1, features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.token.expand(x.shape[0], -1, -1), x], dim=1)


class Select(nn.Module):
    """Takes one position along an axis and drops the axis (``x.select(dim, index)``; ``x[:, 0]`` for dim 1)."""

    def __init__(self, dim: int, index: int) -> None:
        super().__init__()
        self.dim = dim
        self.index = index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.select(self.dim, self.index)
