"""Money as integer minor units plus an ISO 4217 code: never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Minor-unit exponents that differ from 2 (ISO 4217); everything else has cents.
_EXPONENTS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "TND": 3}


class CurrencyMismatch(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units (cents for EUR/USD, yen for JPY)
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, times: int) -> Money:
        return Money(self.amount * times, self.currency)

    def times_rate(self, rate: Decimal) -> Money:
        """Apply a rate (tax, discount) and round half up to the minor unit."""
        exact = Decimal(self.amount) * rate
        return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)), self.currency)

    def pro_rata(self, numerator: int, denominator: int) -> Money:
        """Exact integer share numerator/denominator, rounded half up (R-SEAT-2)."""
        if denominator <= 0:
            raise ValueError("denominator must be positive")
        q, r = divmod(self.amount * numerator, denominator)
        return Money(q + (1 if 2 * r >= denominator else 0), self.currency)

    @property
    def exponent(self) -> int:
        return _EXPONENTS.get(self.currency, 2)

    @property
    def major_units(self) -> Decimal:
        """The amount in the currency's main unit, exactly: 123456 EUR -> 1234.56."""
        return Decimal(self.amount).scaleb(-self.exponent)

    def text(self, grouping: bool = False) -> str:
        """The amount without its currency, with every minor digit: 1234.56 (1,234.56)."""
        return f"{self.major_units:{',' if grouping else ''}.{self.exponent}f}"

    def __str__(self) -> str:
        return f"{self.text()} {self.currency}"
