MODULE BenchHe44;

	IMPORT BenchTypes;

	PROCEDURE ChangeBase* (x, base: INTEGER): BenchTypes.String;
		VAR r: BenchTypes.String; n: INTEGER; digits: ARRAY 33 OF CHAR;
	BEGIN
		n := 0;
		REPEAT
			digits[n] := CHR(ORD("0") + x MOD base); INC(n);
			x := x DIV base
		UNTIL x = 0;
		digits[n] := 0X;
		r := BenchTypes.NewString(digits);
		RETURN r
	END ChangeBase;

END BenchHe44.
