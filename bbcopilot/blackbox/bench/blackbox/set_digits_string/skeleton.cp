MODULE BenchDigitSet;

	IMPORT Strings;

	PROCEDURE Digits* (n: INTEGER; OUT s: ARRAY OF CHAR);
	BEGIN
		s := ""
	END Digits;

END BenchDigitSet.
