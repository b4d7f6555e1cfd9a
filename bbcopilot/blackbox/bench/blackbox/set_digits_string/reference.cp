MODULE BenchDigitSet;

	IMPORT Strings;

	PROCEDURE Digits* (n: INTEGER; OUT s: ARRAY OF CHAR);
		VAR digits: SET;
	BEGIN
		n := ABS(n); digits := {};
		REPEAT INCL(digits, n MOD 10); n := n DIV 10 UNTIL n = 0;
		Strings.SetToString(digits, s)
	END Digits;

END BenchDigitSet.
