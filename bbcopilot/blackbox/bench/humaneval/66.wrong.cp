MODULE BenchHe66;

	IMPORT Strings;

	PROCEDURE DigitSum* (IN s: ARRAY OF CHAR): INTEGER;
		VAR i, sum: INTEGER;
	BEGIN
		sum := 0;
		FOR i := 0 TO LEN(s$) - 2 DO
			IF Strings.IsUpper(s[i]) THEN sum := sum + ORD(s[i]) END
		END;
		RETURN sum
	END DigitSum;

END BenchHe66.
