MODULE BenchHe48;

	(* Wrong: off by one at the end, comparing the first character with the terminating 0X. *)
	PROCEDURE IsPalindrome* (IN text: ARRAY OF CHAR): BOOLEAN;
		VAR i, n: INTEGER;
	BEGIN
		n := LEN(text$);
		FOR i := 0 TO n DIV 2 - 1 DO
			IF text[i] # text[n - i] THEN RETURN FALSE END
		END;
		RETURN TRUE
	END IsPalindrome;

END BenchHe48.
