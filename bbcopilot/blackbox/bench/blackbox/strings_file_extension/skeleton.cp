MODULE BenchExtension;

	IMPORT Strings;

	PROCEDURE Extension* (IN name: ARRAY OF CHAR; OUT ext: ARRAY OF CHAR);
	BEGIN
		ext := ""
	END Extension;

END BenchExtension.
