MODULE BenchCapitalize;

	IMPORT Strings;

	PROCEDURE Capitalize* (IN s: ARRAY OF CHAR; OUT res: ARRAY OF CHAR);
	BEGIN
		res := ""
	END Capitalize;

END BenchCapitalize.
